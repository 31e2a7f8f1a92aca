// Reference processes for the idle-memory figure; each prints "ready" when it
// is in its idle state and stays there until SIGTERM or its stdin closes.
//   node idle-child.js bare                      a bare Node process (a timer keeps it alive)
//   node idle-child.js mqtt URL [writeCache]     a bare MQTT.js client: connected, subscribed to gpio/t/+/write,
//                                                MQTT.js defaults (writeCache on) unless writeCache is "off"
//   node idle-child.js load MOD...               loads the modules in turn and prints, after each, a JSON line
//                                                with RSS and process.memoryUsage() (after a full GC): what each costs
'use strict';
const { readFileSync } = require('node:fs');

const [mode, ...args] = process.argv.slice(2);
const rssKb = () => Number(/^VmRSS:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const keep = setInterval(() => undefined, 60_000);
const stop = () => {
  clearInterval(keep);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop).resume();

const sample = (label) => {
  if (global.gc) global.gc();
  const m = process.memoryUsage();
  return { label, rssKb: rssKb(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, modules: Object.keys(require.cache).length };
};

if (mode === 'bare') process.stdout.write('ready\n');
else if (mode === 'mqtt') {
  const mqtt = require('mqtt');
  const [url, cache] = args;
  const client = mqtt.connect(url, { clientId: `bench-idle-${process.pid}`, reconnectPeriod: 1000, keepalive: 30, ...(cache === 'off' ? { writeCache: false } : {}) });
  client.once('connect', () =>
    client.subscribe('gpio/t/+/write', { qos: 1 }, (err) => {
      if (err) {
        process.stderr.write(`subscribe failed: ${err.message}\n`);
        process.exit(1);
      }
      process.stdout.write('ready\n');
    }),
  );
} else if (mode === 'load') {
  // Settle between steps so that the RSS read is not mid-allocation.
  const out = [sample('(node)')];
  for (const m of args) {
    require(m);
    out.push(sample(m));
  }
  process.stdout.write(`${JSON.stringify(out)}\nready\n`);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
