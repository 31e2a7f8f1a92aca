// Preloaded into the service (node -r) by the idle-memory figure: RSS and
// process.memoryUsage() by phase, and a heap snapshot at idle.
//   node started:   when this preload runs, before the service's first module
//   loaded:         the first setImmediate: every module main.js imports is loaded, the config read and
//                   decoded, the pins opened (main runs synchronously up to its first await)
//   idle / idle after a full GC: on SIGUSR2, sent by the harness once the service is ready and settled;
//                   then a heap snapshot is written to PHASE_SNAPSHOT
// Lines go to the file PHASE_OUT, one JSON object each.
'use strict';
const { appendFileSync, readFileSync } = require('node:fs');
const v8 = require('node:v8');

const out = process.env.PHASE_OUT;
const rssKb = () => Number(/^VmRSS:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const record = (phase) => {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { used: s.space_used_size, physical: s.physical_space_size }]));
  const packages = {};
  for (const file of Object.keys(require.cache)) {
    const p = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const name = p === null ? '(this project)' : p[1];
    packages[name] = (packages[name] ?? 0) + 1;
  }
  appendFileSync(out, `${JSON.stringify({ phase, rssKb: rssKb(), ...m, spaces, packages })}\n`);
};
record('node started');
setImmediate(() => record('loaded'));
process.on('SIGUSR2', () => {
  record('idle');
  if (global.gc) global.gc();
  record('idle after a full GC');
  v8.writeHeapSnapshot(process.env.PHASE_SNAPSHOT);
  appendFileSync(out, '{"phase":"snapshot written"}\n');
});
