// The gpio-sim chip labelled `label` in a VM (scripts/vm/run.sh --chip LABEL:LINES): its
// character device, found through the addon's chip info, and its gpio-sim sysfs directory
// (sim_gpioN/pull drives a line, sim_gpioN/value reads one).
'use strict';
const fs = require('fs');

exports.simChip = (addon, label) => {
  const chip = fs.readdirSync('/dev').filter((d) => d.startsWith('gpiochip')).map((d) => '/dev/' + d).find((p) => addon.chipInfo(p).label === label);
  if (chip === undefined) throw new Error(`no GPIO chip labelled ${label}`);
  const name = chip.replace('/dev/', '');
  const sim = fs.readdirSync('/sys/devices/platform').filter((d) => d.startsWith('gpio-sim')).map((d) => `/sys/devices/platform/${d}/${name}`).find((p) => fs.existsSync(p));
  if (sim === undefined) throw new Error(`${chip} (${label}) is not a gpio-sim chip`);
  return { chip, sim };
};
