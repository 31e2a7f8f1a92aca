/**
 * `npm run bench [-- --quick] [-- --only id,id] [-- --baseline REV]`: runs
 * every figure under bench/ and writes docs/benchmarks.md and
 * docs/benchmarks.json. Benchmarks are not tests: nothing here asserts a
 * timing. With --only, the report goes to a temp file instead, so a partial
 * run never replaces the full one. With --baseline, commit REV is built on the
 * side (bench/lib/baseline.ts) and figures 1, 2 and 5 measure it too (before).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Baseline, buildBaseline, describeBaseline } from './lib/baseline';
import type { Bench, Context } from './lib/bench';
import { machineInfo } from './lib/machine';
import { cleanupAll, ROOT, stopEverythingOnAbort } from './lib/procs';
import { type Section, writeReport } from './lib/report';
import { inputLatency } from './input-latency';
import { memory } from './memory';
import { idleMemory } from './idle-memory';
import { pollCost } from './poll-cost';
import { requestPath } from './request-path';
import { startup } from './startup';
import { stockBroker } from './stock-broker';
import { configLoad } from './config-load';
import { edges } from './edges';
import { snapshot } from './snapshot';
import { interlock } from './interlock';
import { pwm } from './pwm';
import { arm } from './arm';

const BENCHES: ReadonlyArray<Bench> = [requestPath, pollCost, inputLatency, memory, idleMemory, startup, stockBroker, configLoad, edges, snapshot, interlock, pwm, arm];

const INTRO = `
\`npm run bench\` builds the service and runs every figure under \`bench/\` (about 10 minutes on 2 cores);
\`npm run bench -- --quick\` is a smoke check in under a minute (fewer, shorter runs: rough figures).
\`-- --only request-path,startup\` runs some figures and writes the report to a temp file instead.
Every broker is a Mosquitto the harness starts on a free loopback port: as installed (\`set_tcp_nodelay false\`), except in
figure 1, which sets \`set_tcp_nodelay true\` (figure 1 says why), and figure 6, which measures both. It needs Debian's \`mosquitto\` and a C compiler (the libgpiod stand-in of \`spec/support/gpiod-standin\` is built for figures 2 and 3).
Every process it starts is stopped at the end, on an error and on Ctrl-C. Nothing here is a test: no timing is asserted.

Each figure is the **median of several runs, with min and max**. A comparison (service against a limit: the
same work without our code) is a **ratio of two measurements of the same run**: the two sides run one after
the other within each run, in alternating order, so that noise hits both; the ratios are summarised over the runs.
The raw per-run values are in \`docs/benchmarks.json\`, to compare a later run with.

| figure | what it measures | target |
| --- | --- | --- |
| 1. Request path | write → state round trips per second through Mosquitto, p50/p99 latency; QoS 0 and 1; 1 and 4 closed-loop requesters; the service against a bare MQTT.js echo, and with its metrics endpoint on against off | throughput ≥ 0.9 × the limit's, p99 ≤ 1.2 × the limit's; metrics on: throughput ≥ 0.98 × off |
| 2. Poll cost | CPU per poll tick with 1, 8, 28 inputs at 1 ms and 50 ms, simulated chip and libgpiod (stand-in): the RxJS input path (\`pollLevels\` → \`inputOutputs\`) against a bare \`setInterval\` loop | RxJS ≤ 1.3 × bare |
| 3. Input latency | an input's level change to the state message at a subscriber, p50/p99, 1 ms and 50 ms poll period, and edge-triggered, libgpiod (stand-in) and Mosquitto | p99 ≤ period + 2 ms; edges: p99 ≤ 2 ms |
| 4. Memory | resident memory of the service (28 pins) idle, during and after 1,000,000 write requests | no growth beyond noise |
| 4b. Memory at idle | idle RSS by configuration (embedded broker, Mosquitto; 1 and 28 pins) against a bare Node process, a bare MQTT.js client, python3 and python3 + paho-mqtt; V8 flags with their latency cost; memory by phase, by library, and a heap snapshot | ≤ 1.2 × mqtt-io's 43 MB (51.6 MiB) |
| 5. Start-up | process start to the \`ready\` log line, embedded broker and Mosquitto | < 500 ms |
| 6. Stock broker | write → state round trip, p50/p99, with the shipped config's semantics (\`mqtt.qos\` 1), a QoS 0 and a QoS 1 requester, Mosquitto as installed and tuned (\`set_tcp_nodelay true\`) | QoS 0 on stock Mosquitto: p50 < 2 ms |
| 7. Hostile configs | time and peak memory to exit 2 on 1 MiB configs of the worst shapes (keys, a long list, deep nesting, over the cap) | < 5 s, < 300 MB |
| 8. Edges | a burst of 1,000 pulses on an edge input (as fast as the stand-in can, and slower) while 1,000 writes per second are answered; CPU of 28 idle edge inputs against a bare Node process | every pulse counted; all writes answered; idle CPU within noise of bare |
| 9. Snapshot | what the snapshot on \`gpio/<thing>/pins\` adds to a change, in-process: write requests through \`connector\` with it off and on; one fold; one snapshot's JSON (28 pins) | added per change ≤ 2 % of the service's CPU per round trip |
| 10. Interlocks | what the interlock costs per command, in-process: a switch-over in a group of 3 through \`connector\` with the interlock against the same writes sent by hand without it; a write to a pin in no group with and without interlocks configured | switch-over ≤ 1.5 × by hand; in no group ≤ 2 % of the service's CPU per round trip |
| 11. PWM accuracy | software PWM at 100 Hz and 1 kHz, duty 10/50/90 %, on a gpio-sim line of a real kernel (the hardware suite's VM where this kernel has none: marked emulated under TCG), from gpiolib's trace timestamps; p99 and max period jitter | frequency within 1 %, duty within 1 point |
| 12. ARM (emulated) | the service's CPU per poll tick (26 inputs, 10 ms) and per edge on gpio-sim, in arm64 and armhf (32-bit) userlands on Debian's arm64 kernel and on x86-64, all under QEMU's TCG (needs \`scripts/check-arm.sh\`'s trees) | ARM ≤ 3 × x86-64 |
`;

interface Args {
  readonly quick: boolean;
  readonly only?: Set<string>;
  readonly baseline?: string;
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let quick = false;
  let only: Set<string> | undefined;
  let baseline: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (name === '--only') only = new Set(value().split(','));
    else if (name === '--baseline') baseline = value();
    else throw new Error(`unknown argument: ${arg} (use --quick, --only id,id, --baseline REV)`);
  }
  const ids = BENCHES.map((b) => b.id);
  const bad = [...(only ?? [])].filter((id) => !ids.includes(id));
  if (bad.length > 0) throw new Error(`unknown figure ${bad.join(', ')}: the figures are ${ids.join(', ')}`);
  return { quick, only, baseline };
};

/** The intro's paragraph on the before side, with --baseline. */
const beforeAndAfter = (b: Baseline): string => `
**Before and after** (\`--baseline ${b.rev}\`): this run also measures commit ${describeBaseline(b)}, built on the side
(\`git archive\` of its \`src/\`, \`tsconfig.json\` and \`package.json\` into \`.tmp/bench-baseline/${b.sha}/\`, compiled with this repo's
TypeScript and node_modules), as one more side of figures 1, 2 and 5: **before** is the baseline's code, **after** the code measured here.
The before side runs within every run, in the same rotating order as the other sides, so the after / before ratios are of the same
moment's noise, computed run by run and summarised like the others. The targets are about the code measured here only.
`;

const main = async (): Promise<number> => {
  const args = parseArgs(process.argv.slice(2));
  const removeSignalHandlers = stopEverythingOnAbort();
  const began = performance.now();
  const log = (m: string) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
  const machine = machineInfo();
  log(`${args.quick ? 'quick mode' : 'full mode'} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Mosquitto ${machine.mosquitto}`);
  const baseline = args.baseline === undefined ? undefined : buildBaseline(args.baseline, log);
  const ctx: Context = { quick: args.quick, baseline, log };

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
      baseline,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      durationS: (performance.now() - began) / 1000,
      machine,
      sections,
      failures,
    },
    baseline !== undefined ? `${INTRO}${beforeAndAfter(baseline)}` : INTRO,
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
