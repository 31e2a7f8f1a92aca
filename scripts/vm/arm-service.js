// scripts/check-arm-kernel.sh: the service as scripts/check-arm.sh installed it from the packed
// tarball (no compiler; the prebuilt addon), started on the ARM kernel's gpio-sim with the cdev
// driver and the userland's own Mosquitto, as a user of that OS would run it:
// node node_modules/rpi-gpio-connector/dist/main.js --config FILE. An input change is published,
// a write is answered and reaches the line, and SIGTERM releases the lines; exits 1 on a wrong
// answer. Run in the ARM VM (scripts/vm/run.sh --arch arm64 --chip pinctrl-bcm2711:58).
'use strict';
const fs = require('fs');
const net = require('net');
const { spawn } = require('child_process');

const pkg = process.argv[2] || '/opt/check-arm/node_modules/rpi-gpio-connector';
const mqtt = require(require.resolve('mqtt', { paths: [pkg] }));
const addon = require(`${pkg}/dist/adapters/gpio/native/addon.js`).loadNativeAddon();
if (addon._tag !== 'Right') throw new Error(`the installed addon does not load: ${JSON.stringify(addon.left)}`);
const a = addon.right;
const { chip, sim } = require('./sim-chip').simChip(a, 'pinctrl-bcm2711');
const tmp = fs.mkdtempSync('/tmp/arm-service-');
const PORT = 18839;
const T = 120_000; // TCG: node runs 10-50 times slower than on the host
const say = (m) => console.log(`ARM-SERVICE ${m}`);
const fail = (m) => { say(`FAILED: ${m}`); process.exit(1); };
const within = (ms, what, p) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`no ${what} within ${ms} ms`)), ms))]);
const listening = (port) => new Promise((res) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); res(true); }); s.on('error', () => res(false)); });

(async () => {
  fs.writeFileSync(`${tmp}/mosquitto.conf`, `listener ${PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const broker = spawn('mosquitto', ['-c', `${tmp}/mosquitto.conf`], { stdio: 'ignore' });
  for (let i = 0; !(await listening(PORT)); i++) {
    if (i > 300) fail('mosquitto did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.writeFileSync(`${tmp}/config.yaml`, [
    'thingName: arm',
    'InputGpios: "5"',
    'OutputGpios: "8L"',
    'InputPollPeriod: 50',
    'mqtt:',
    `  url: mqtt://127.0.0.1:${PORT}`,
    'gpio:',
    '  driver: cdev',
    '  chip: pinctrl-bcm2711',
    '',
  ].join('\n'));
  fs.writeFileSync(`${sim}/sim_gpio5/pull`, 'pull-down');
  const t0 = Date.now();
  const svc = spawn(process.execPath, [`${pkg}/dist/main.js`, '--config', `${tmp}/config.yaml`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let onLine = () => {};
  let buf = '';
  svc.stdout.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      try { lines.push(JSON.parse(buf.slice(0, i))); } catch { lines.push({ raw: buf.slice(0, i) }); }
      onLine();
    }
  });
  const exited = new Promise((res) => svc.on('exit', (code, signal) => res({ code, signal })));
  const log = (pred, what) => within(T, what, new Promise((res) => { const look = () => { const l = lines.find(pred); if (l) res(l); }; onLine = look; look(); }));
  const ready = await log((l) => l.msg === 'ready', 'ready line').catch((e) => fail(`${e.message}; log: ${JSON.stringify(lines)}`));
  say(`ready after ${Date.now() - t0} ms: ${JSON.stringify({ driver: ready.driver, chip: ready.chip })}`);

  const client = mqtt.connect(`mqtt://127.0.0.1:${PORT}`);
  const got = [];
  let onMsg = () => {};
  client.on('message', (topic, payload) => { got.push([topic, payload.toString()]); onMsg(); });
  await within(T, 'MQTT connection', new Promise((res) => client.on('connect', res)));
  await within(T, 'subscription', client.subscribeAsync('gpio/arm/#'));
  const message = (topic, payload, what) => within(T, what, new Promise((res) => { const look = () => { if (got.some(([t, p]) => t === topic && p === payload)) res(); }; onMsg = look; look(); }));

  client.publish('gpio/arm/5/read', '');
  await message('gpio/arm/5/state', '0', 'state 0 of input 5 answering a read').catch((e) => fail(`${e.message}; got ${JSON.stringify(got)}`));
  fs.writeFileSync(`${sim}/sim_gpio5/pull`, 'pull-up');
  await message('gpio/arm/5/state', '1', 'state 1 of input 5 after its pull-up').catch((e) => fail(`${e.message}; got ${JSON.stringify(got)}`));
  say('input 5: read answered 0, then 1 published after the pull-up');
  client.publish('gpio/arm/8/write', '1');
  await message('gpio/arm/8/state', '1', 'state 1 of output 8 after write 1').catch((e) => fail(`${e.message}; got ${JSON.stringify(got)}`));
  const level = fs.readFileSync(`${sim}/sim_gpio8/value`, 'utf8').trim();
  if (level !== '1') fail(`output 8 answered 1 but the line is at ${level}`);
  say('output 8: write 1 answered 1, the line is high');
  const held = a.lineInfo(chip, 8);
  client.end();

  svc.kill('SIGTERM');
  const end = await within(T, 'exit after SIGTERM', exited).catch((e) => fail(e.message));
  const after = [5, 8].map((l) => a.lineInfo(chip, l));
  broker.kill('SIGTERM');
  if (end.code !== 0) fail(`exit ${JSON.stringify(end)} after SIGTERM`);
  if (!(held.flags & 1)) fail(`output 8 was not held while the service ran: ${JSON.stringify(held)}`);
  if (after.some((i) => i.flags & 1)) fail(`lines still held after the exit: ${JSON.stringify(after)}`);
  say(`SIGTERM: exit 0, lines 5 and 8 released (held by "${held.consumer}" before)`);
  say('passed');
  process.exit(0);
})().catch((e) => fail(e.stack || String(e)));
