#!/usr/bin/env node
'use strict';
/**
 * Greengrass V2: turns the component's configuration, which the recipe hands
 * over as GPIO_* environment variables (one scalar each), into the service's
 * config file. Empty values are left out, so the service's defaults apply;
 * the thing name comes from AWS_IOT_THING_NAME, which Greengrass sets for
 * every component, unless ThingName is set. Plain Node.js, no dependencies.
 *
 * Usage: node write-config.js OUT_FILE   (prints the path of the file the service should read)
 */
const { writeFileSync } = require('node:fs');

const env = process.env;
const value = (name) => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};
const out = process.argv[2];
if (out === undefined) {
  process.stderr.write('usage: node write-config.js OUT_FILE\n');
  process.exit(2);
}

// A full config file on the device wins over everything else.
const file = value('GPIO_CONFIG_FILE');
if (file !== undefined) {
  process.stdout.write(`${file}\n`);
  process.exit(0);
}

const drop = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const url = value('GPIO_MQTT_URL');
const discovery = value('GPIO_HOME_ASSISTANT_DISCOVERY');
const config = drop({
  thingName: value('GPIO_THING_NAME'),
  InputGpios: env.GPIO_INPUT_GPIOS === undefined ? undefined : env.GPIO_INPUT_GPIOS.trim(),
  OutputGpios: env.GPIO_OUTPUT_GPIOS === undefined ? undefined : env.GPIO_OUTPUT_GPIOS.trim(),
  InputPollPeriod: value('GPIO_INPUT_POLL_PERIOD'),
  mqtt: drop({
    url,
    clientId: value('GPIO_MQTT_CLIENT_ID'),
    ca: value('GPIO_MQTT_CA'),
    cert: value('GPIO_MQTT_CERT'),
    key: value('GPIO_MQTT_KEY'),
  }),
  gpio: drop({ driver: value('GPIO_DRIVER') }),
  ...(discovery === 'true' ? { homeAssistant: { discovery: true } } : {}),
});
// JSON is YAML: the service reads it as it reads config.yaml, and reports any problem by its path.
writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
process.stdout.write(`${out}\n`);
