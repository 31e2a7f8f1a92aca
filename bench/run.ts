/**
 * `npm run bench [-- --quick] [-- --only id,id]`: runs every figure under
 * bench/ and writes docs/benchmarks.md and docs/benchmarks.json. Benchmarks
 * are not tests: nothing here asserts a timing. With --only, the report goes
 * to a temp file instead, so a partial run never replaces the full one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bench, Context } from './lib/bench';
import { machineInfo } from './lib/machine';
import { cleanupAll, ROOT, stopEverythingOnAbort } from './lib/procs';
import { type Section, writeReport } from './lib/report';
import { inputLatency } from './input-latency';
import { memory } from './memory';
import { pollCost } from './poll-cost';
import { requestPath } from './request-path';
import { startup } from './startup';

const BENCHES: ReadonlyArray<Bench> = [requestPath, pollCost, inputLatency, memory, startup];

const INTRO = `
\`npm run bench\` builds the service and runs every figure under \`bench/\` (about 10 minutes on 2 cores);
\`npm run bench -- --quick\` is a smoke check in under a minute (fewer, shorter runs: rough figures).
\`-- --only request-path,startup\` runs some figures and writes the report to a temp file instead.
Every broker is a Mosquitto the harness starts on a free loopback port: as installed (\`set_tcp_nodelay false\`), except in
figure 1, which sets \`set_tcp_nodelay true\` (figure 1 says why). It needs Debian's \`mosquitto\` and a C compiler (the libgpiod stand-in of \`spec/support/gpiod-standin\` is built for figures 2 and 3).
Every process it starts is stopped at the end, on an error and on Ctrl-C. Nothing here is a test: no timing is asserted.

Each figure is the **median of several runs, with min and max**. A comparison (service against a limit: the
same work without our code) is a **ratio of two measurements of the same run**: the two sides run one after
the other within each run, in alternating order, so that noise hits both; the ratios are summarised over the runs.
The raw per-run values are in \`docs/benchmarks.json\`, to compare a later run with.

| figure | what it measures | target |
| --- | --- | --- |
| 1. Request path | write → state round trips per second through Mosquitto, p50/p99 latency; QoS 0 and 1; 1 and 4 closed-loop requesters; the service against a bare MQTT.js echo | throughput ≥ 0.9 × the limit's, p99 ≤ 1.2 × the limit's |
| 2. Poll cost | CPU per poll tick with 1, 8, 28 inputs at 1 ms and 50 ms, simulated chip and libgpiod (stand-in): RxJS \`pollInputs\` against a bare \`setInterval\` loop | RxJS ≤ 1.3 × bare |
| 3. Input latency | an input's level change to the state message at a subscriber, p50/p99, 1 ms and 50 ms poll period, libgpiod (stand-in) and Mosquitto | p99 ≤ period + 2 ms |
| 4. Memory | resident memory of the service (28 pins) idle, during and after 1,000,000 write requests | no growth beyond noise |
| 5. Start-up | process start to the \`ready\` log line, embedded broker and Mosquitto | < 500 ms |
`;

const parseArgs = (argv: ReadonlyArray<string>): { quick: boolean; only?: Set<string> } => {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  const list = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const unknown = argv.filter((a, j) => a !== '--quick' && a !== '--only' && !a.startsWith('--only=') && !(i >= 0 && j === i + 1));
  if (unknown.length > 0) throw new Error(`unknown arguments: ${unknown.join(' ')} (use --quick, --only id,id)`);
  if (list === undefined) return { quick };
  const only = new Set(list.split(','));
  const ids = BENCHES.map((b) => b.id);
  const bad = [...only].filter((id) => !ids.includes(id));
  if (bad.length > 0) throw new Error(`unknown figure ${bad.join(', ')}: the figures are ${ids.join(', ')}`);
  return { quick, only };
};

const main = async (): Promise<number> => {
  const args = parseArgs(process.argv.slice(2));
  const removeSignalHandlers = stopEverythingOnAbort();
  const began = performance.now();
  const ctx: Context = {
    quick: args.quick,
    log: (m) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${m}\n`),
  };
  const machine = machineInfo();
  ctx.log(`${args.quick ? 'quick mode' : 'full mode'} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Mosquitto ${machine.mosquitto}`);

  const sections: Section[] = [];
  const failures: Array<{ id: string; error: string }> = [];
  for (const bench of BENCHES.filter((b) => args.only?.has(b.id) ?? true)) {
    ctx.log(`${bench.id}: start`);
    try {
      sections.push(await bench.run(ctx));
      ctx.log(`${bench.id}: done`);
    } catch (e) {
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      failures.push({ id: bench.id, error });
      ctx.log(`${bench.id}: FAILED: ${error}`);
    }
    await cleanupAll(); // whatever a failed figure left running
  }

  const dir = args.only === undefined ? join(ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'gpio-bench-report-'));
  const md = join(dir, 'benchmarks.md');
  writeReport(
    {
      quick: args.quick,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      durationS: (performance.now() - began) / 1000,
      machine,
      sections,
      failures,
    },
    INTRO,
    md,
    join(dir, 'benchmarks.json'),
  );
  ctx.log(`wrote ${md} and benchmarks.json${failures.length > 0 ? `; ${failures.length} figure(s) failed` : ''}`);
  removeSignalHandlers();
  return failures.length > 0 ? 1 : 0;
};

main()
  .catch(async (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await cleanupAll().catch(() => undefined);
    return 1;
  })
  // Exit explicitly: a client socket left half-closed must not keep the harness alive.
  .then((code) => process.exit(code));
