// One poll-cost measurement in a fresh process (figure 2). Usage:
//   node poll-child.js '{"driver":"sim"|"libgpiod","pins":8,"periodMs":1,"side":"rxjs"|"bare"|"floor"|"before","warmMs":300,"windowMs":2000,"toggle":false}'
// Builds the driver from dist/, polls `pins` inputs every `periodMs` either
// through the service's pollLevels + inputOutputs (rxjs) or a bare setInterval loop (bare),
// or only ticks an empty setInterval (floor: what the timer itself costs),
// or through the input path of `baselineDist` (before: an earlier commit's
// build, same driver), and prints one JSON line: ticks, CPU µs and wall µs over the window.
// libgpiod needs the stand-in's env (LD_LIBRARY_PATH) when node starts.
'use strict';
const { join } = require('node:path');

const opts = JSON.parse(process.argv[2]);
const dist = join(__dirname, '..', '..', 'dist');
const { state } = require(join(dist, 'core', 'outputs.js'));

const specs = Array.from({ length: opts.pins }, (_, pin) => ({ pin, direction: 'input', bias: 'as-is', activeLow: false }));
const opened =
  opts.driver === 'libgpiod'
    ? require(join(dist, 'adapters', 'gpio', 'libgpiod', 'driver.js')).openLibgpiodDriver(specs, 'auto')
    : require(join(dist, 'adapters', 'gpio', 'sim.js')).openSimDriver(specs);
if (opened._tag !== 'Right') {
  process.stderr.write(`cannot open the ${opts.driver} driver: ${opened.left}\n`);
  process.exit(1);
}
const inner = opened.right;

// Both sides read through this wrapper, so counting (and toggling) costs them the same.
let ticks = 0;
let toggled = 0;
const driver = {
  ...inner,
  readInputs() {
    ticks++;
    if (opts.toggle) inner.simulate(0, (toggled ^= 1));
    return inner.readInputs();
  },
};

let sink = 0;
const consume = (o) => {
  sink += o.pin ?? 1;
};
let stop;
if (opts.side === 'rxjs' || opts.side === 'before') {
  const { timer } = require('rxjs');
  const from = opts.side === 'before' ? opts.baselineDist : dist;
  const { existsSync } = require('node:fs');
  let sub;
  const specs = driver.inputs.map((pin) => ({ pin, direction: 'input', bias: 'as-is', activeLow: false }));
  if (existsSync(join(from, 'streams', 'fan-out.js'))) {
    // What the service runs for polled inputs: the levels, then debounce and the fan-out to states (events, counts) per pin.
    const { pollLevels } = require(join(from, 'streams', 'poll.js'));
    const { inputOutputs } = require(join(from, 'streams', 'fan-out.js'));
    const { inputSettings } = require(join(from, 'core', 'input-settings.js'));
    sub = inputOutputs(pollLevels(timer(0, opts.periodMs), { driver, thing: 't' }), { thing: 't', settings: inputSettings(specs) }).subscribe(consume);
  } else if (existsSync(join(from, 'streams', 'watch.js'))) {
    // An earlier commit (a baseline) with the same path in one file, streams/watch.js.
    const { pollLevels, inputOutputs, inputSettings } = require(join(from, 'streams', 'watch.js'));
    sub = inputOutputs(pollLevels(timer(0, opts.periodMs), { driver, thing: 't' }), { thing: 't', settings: inputSettings(specs) }).subscribe(consume);
  } else {
    // An earlier commit (a baseline): its pollInputs was the whole input path.
    const { pollInputs } = require(join(from, 'streams', 'inputs.js'));
    sub = pollInputs(timer(0, opts.periodMs), { driver, thing: 't' }).subscribe(consume);
  }
  stop = () => sub.unsubscribe();
} else if (opts.side === 'floor') {
  const handle = setInterval(() => {
    ticks++;
  }, opts.periodMs);
  stop = () => clearInterval(handle);
} else {
  // The limit: one bulk read per tick and a comparison with the previous levels, as distinctUntilChanged does.
  const prev = new Array(opts.pins).fill(-1);
  let failure;
  const handle = setInterval(() => {
    const sample = driver.readInputs();
    if (sample._tag === 'Right') {
      const levels = sample.right;
      for (let i = 0; i < levels.length; i++) {
        if (levels[i] !== prev[i]) {
          prev[i] = levels[i];
          consume(state(driver.inputs[i], levels[i]));
        }
      }
      failure = undefined;
    } else if (failure !== sample.left.message) {
      failure = sample.left.message;
      consume({ _tag: 'Rejected', error: failure });
    }
  }, opts.periodMs);
  stop = () => clearInterval(handle);
}

setTimeout(() => {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const n0 = ticks;
  setTimeout(() => {
    const cpu = process.cpuUsage(c0);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const n = ticks - n0;
    stop();
    inner.close();
    process.stdout.write(`${JSON.stringify({ ticks: n, cpuUs: cpu.user + cpu.system, wallUs, sink })}\n`, () => process.exit(0));
  }, opts.windowMs);
}, opts.warmMs);
