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
// Edges of driver.edges() as they arrive (timestamps as decimal strings), until taken.
let edgeSub;
let edges = [];
const ops = {
  open: ({ kind, pins, chip }) => {
    const opened = kind === 'libgpiod' ? openLibgpiodDriver(pins, chip) : kind === 'cdev' ? openCdevDriver(pins, chip) : openSimDriver(pins);
    if (opened._tag === 'Right') driver = opened.right;
    return opened._tag === 'Right'
      ? { _tag: 'Right', right: { inputs: driver.inputs, edgeInputs: driver.edgeInputs, description: driver.description, why: driver.why } }
      : opened;
  },
  readInputs: () => driver.readInputs(),
  read: ({ pin }) => driver.read(pin),
  write: ({ pin, level }) => driver.write(pin, level),
  subscribeEdges: () => {
    edges = [];
    edgeSub = driver.edges().subscribe({
      next: (e) => edges.push({ ...e, timestampNs: String(e.timestampNs) }),
      error: (e) => edges.push({ error: String(e && e.message ? e.message : e) }),
      complete: () => edges.push({ complete: true }),
    });
    return { _tag: 'Right', right: null };
  },
  takeEdges: () => ({ _tag: 'Right', right: edges.splice(0) }),
  unsubscribeEdges: () => {
    edgeSub?.unsubscribe();
    return { _tag: 'Right', right: null };
  },
  // Runs a program to its end with this process's event loop blocked (a burst the driver cannot read meanwhile).
  runBlocking: ({ file, args, env }) => ({
    _tag: 'Right',
    right: require('node:child_process').execFileSync(file, args, { env: { ...process.env, ...env }, encoding: 'utf8' }),
  }),
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
