// Runs a GPIO driver from the built service (dist/) in its own process, so the
// libgpiod driver can load node-libgpiod over the stand-in libgpiod.so.2 that
// LD_LIBRARY_PATH names. Speaks JSON lines: {id, op, args} in, {id, result} out.
'use strict';
const { createInterface } = require('node:readline');
const { join } = require('node:path');

const dist = join(process.env.RPI_GPIO_DIST || join(__dirname, '..', '..', 'dist'), 'adapters', 'gpio');
const { openLibgpiodDriver } = require(join(dist, 'libgpiod', 'driver.js'));
const { openSimDriver } = require(join(dist, 'sim.js'));
const { openCdevDriver } = require(join(dist, 'cdev', 'driver.js'));

let driver;
const ops = {
  open: ({ kind, pins, chip }) => {
    const opened = kind === 'libgpiod' ? openLibgpiodDriver(pins, chip) : kind === 'cdev' ? openCdevDriver(pins, chip) : openSimDriver(pins);
    if (opened._tag === 'Right') driver = opened.right;
    return opened._tag === 'Right'
      ? { _tag: 'Right', right: { inputs: driver.inputs, description: driver.description, why: driver.why } }
      : opened;
  },
  readInputs: () => driver.readInputs(),
  read: ({ pin }) => driver.read(pin),
  write: ({ pin, level }) => driver.write(pin, level),
  close: () => {
    driver.close();
    return { _tag: 'Right', right: null };
  },
  // Started with --expose-gc: lets a test prove the driver keeps what node-libgpiod needs alive.
  gc: () => {
    for (let i = 0; i < 3; i++) global.gc();
    return { _tag: 'Right', right: null };
  },
  exit: () => setImmediate(() => process.exit(0)),
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, op, args } = JSON.parse(line);
  let result;
  try {
    result = ops[op](args ?? {});
  } catch (e) {
    result = { thrown: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(`${JSON.stringify({ id, result: result ?? null })}\n`);
});
