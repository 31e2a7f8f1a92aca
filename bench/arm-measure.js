// Figure 12 (bench/arm.ts), inside a VM (scripts/vm/run.sh, x86-64 or --arch arm64 with an
// arm64 or armhf userland): the built service (node dist/main.js, gpio.driver cdev, the
// embedded broker) on the kernel's gpio-sim chip, and its CPU time from /proc:
//  - per poll tick: 26 polled inputs (InputGpios) at a 10 ms period, idle;
//  - per edge: one edge input (pins: edge both) whose line the sim toggles; the service's
//    CPU while the edges come, less its CPU over as long idle, per edge; every edge's state
//    message is counted at a subscriber.
// Plain JavaScript (no ts-node): under TCG every module compiled costs. Prints
// ARM-BENCH {json}; exits 1 when something did not work.
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const runs = Number(process.argv[2] || 3);
const windowMs = Number(process.argv[3] || 10000);
const edgesPerRun = Number(process.argv[4] || 200);
const mqtt = require(require.resolve('mqtt', { paths: [ROOT] }));
const addon = require(`${ROOT}/dist/adapters/gpio/native/addon.js`).loadNativeAddon();
if (addon._tag !== 'Right') throw new Error(addon.left);
const a = addon.right;
const { sim } = require('../scripts/vm/sim-chip').simChip(a, 'pinctrl-bcm2711');
const TICK = 100; // USER_HZ on Debian's kernels, every arch
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => console.error(`arm-measure: ${m}`);
const cpuMs = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICK; // utime + stime
};
const freePort = () => new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

const start = async (config) => {
  const dir = fs.mkdtempSync('/tmp/arm-measure-');
  fs.writeFileSync(`${dir}/config.yaml`, config);
  const child = spawn(process.execPath, [`${ROOT}/dist/main.js`, '--config', `${dir}/config.yaml`], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } });
  let out = '';
  await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no ready line in 180 s: ${out.slice(-1000)}`)), 180_000);
    child.stdout.on('data', (d) => { out += d; if (out.includes('"msg":"ready"')) { clearTimeout(t); res(); } });
    child.on('exit', (c) => rej(new Error(`the service exited (${c}): ${out.slice(-1000)}`)));
  });
  child.stdout.resume();
  return child;
};
const stop = (child) => new Promise((res) => { child.removeAllListeners('exit'); child.on('exit', res); child.kill('SIGTERM'); });

(async () => {
  const polled = Array.from({ length: 26 }, (_, i) => i + 2);
  const result = { arch: process.arch, kernel: fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), cpus: require('os').cpus().length, node: process.version, polledInputs: polled.length, pollPeriodMs: 10, windowMs, edgesPerRun, pollTickUs: [], edgeUs: [], edgesCounted: [] };

  let port = await freePort();
  let svc = await start(`thingName: b\nInputGpios: "${polled.join(',')}"\nInputPollPeriod: 10\nmqtt: { url: embedded, port: ${port} }\ngpio: { driver: cdev, chip: pinctrl-bcm2711 }\n`);
  await sleep(3000);
  for (let r = 0; r < runs; r++) {
    const c0 = cpuMs(svc.pid);
    const t0 = Date.now();
    await sleep(windowMs);
    const ticks = (Date.now() - t0) / 10;
    result.pollTickUs.push(((cpuMs(svc.pid) - c0) * 1000) / ticks);
    log(`poll run ${r + 1}: ${result.pollTickUs[r].toFixed(1)} µs CPU per tick`);
  }
  await stop(svc);

  port = await freePort();
  fs.writeFileSync(`${sim}/sim_gpio5/pull`, 'pull-down');
  svc = await start(`thingName: b\npins:\n  - { pin: 5, direction: input, edge: both }\nmqtt: { url: embedded, port: ${port} }\ngpio: { driver: cdev, chip: pinctrl-bcm2711 }\n`);
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`);
  await new Promise((res) => client.on('connect', res));
  let states = 0;
  client.on('message', (_t, _p, packet) => { if (!packet.retain) states += 1; });
  await client.subscribeAsync('gpio/b/5/state');
  await sleep(3000);
  let level = 0;
  for (let r = 0; r < runs; r++) {
    const spacing = 20;
    const i0 = cpuMs(svc.pid);
    await sleep(edgesPerRun * spacing);
    const idle = cpuMs(svc.pid) - i0;
    const before = states;
    const c0 = cpuMs(svc.pid);
    for (let e = 0; e < edgesPerRun; e++) {
      level ^= 1;
      fs.writeFileSync(`${sim}/sim_gpio5/pull`, level ? 'pull-up' : 'pull-down');
      await sleep(spacing);
    }
    await sleep(2000);
    const busy = cpuMs(svc.pid) - c0;
    const counted = states - before;
    // The idle share of the busy window (edges, then 2 s for the last messages) is taken out.
    result.edgeUs.push(((busy - idle * ((edgesPerRun * spacing + 2000) / (edgesPerRun * spacing))) * 1000) / edgesPerRun);
    result.edgesCounted.push(counted);
    log(`edge run ${r + 1}: ${result.edgeUs[r].toFixed(1)} µs CPU per edge, ${counted} of ${edgesPerRun} state messages`);
  }
  client.end();
  await stop(svc);
  console.log('ARM-BENCH ' + JSON.stringify(result));
  process.exit(0);
})().catch((e) => {
  console.error(`arm-measure: FAILED: ${e.stack || e}`);
  process.exit(1);
});
