// scripts/check-arm-kernel.sh: one pass over every uAPI v2 call of the addon on the kernel's gpio-sim, in this process's ABI.
// Run from the checkout in the ARM VM (scripts/vm/run.sh --arch arm64 --chip pinctrl-bcm2711:58); exits 1 on a wrong answer.
'use strict';
const fs = require('fs');
const a = require(require('node-gyp-build').path(process.cwd()));
const out = { arch: process.arch, addon: require('node-gyp-build').path(process.cwd()).replace(process.cwd() + '/', '') };
const { chip, sim } = require('./sim-chip').simChip(a, 'pinctrl-bcm2711');
out.chipInfo = a.chipInfo(chip);
const fd = a.request(chip, [3], 'arm-probe', 4 | 16 | 32, [], 0);
out.lineInfo = a.lineInfo(chip, 3);
for (const v of ['pull-up', 'pull-down', 'pull-up']) fs.writeFileSync(`${sim}/sim_gpio3/pull`, v);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
const evs = a.readEvents(fd);
const stamps = evs.map((e) => e.timestampNs);
out.events = evs.map((e) => ({ rising: e.rising, offset: e.offset, seqno: e.seqno, lineSeqno: e.lineSeqno, tsType: typeof e.timestampNs, tsNearMonotonicNow: e.timestampNs > 0n && e.timestampNs <= process.hrtime.bigint() && (process.hrtime.bigint() - e.timestampNs) < 60_000_000_000n }));
out.values = a.getValues(fd, 1);
a.close(fd);
const o = a.request(chip, [5, 6], 'arm-probe', 8, [{ indices: [1], values: [1] }], 0);
a.setValues(o, [0], [1]);
out.outputs = { get: a.getValues(o, 2), sim: [5, 6].map((i) => fs.readFileSync(`${sim}/sim_gpio${i}/value`, 'utf8').trim()) };
a.close(o);
console.log('ARM-PROBE ' + JSON.stringify(out));
const want = {
  lineInfo: { name: '', consumer: 'arm-probe', flags: 1 | 4 | 16 | 32, debounceUs: 0 },
  events: [true, false, true].map((rising, i) => ({ rising, offset: 3, seqno: i + 1, lineSeqno: i + 1, tsType: 'bigint', tsNearMonotonicNow: true })),
  values: [1],
  outputs: { get: [1, 1], sim: ['1', '1'] },
};
const wrong = Object.keys(want).filter((k) => JSON.stringify(out[k]) !== JSON.stringify(want[k]));
if (!(stamps.length === 3 && stamps[0] < stamps[1] && stamps[1] < stamps[2])) wrong.push('timestamps not increasing');
if (wrong.length > 0) {
  console.log('ARM-PROBE FAILED: ' + wrong.join(', '));
  process.exit(1);
}
console.log('ARM-PROBE passed');
