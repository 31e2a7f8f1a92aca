/**
 * Figure 8, edges: a burst of pulses on an edge-triggered input (how many are
 * counted, as fast as the stand-in can raise them and slower) while write
 * requests are answered at 1,000 per second; and the CPU an idle service with
 * 28 edge inputs costs, against a bare Node process in the same run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { parseDrive } from '../spec/support/gpiod-standin';
import { type Bench, type Context, interleave } from './lib/bench';
import { startMosquitto } from './lib/mosquitto';
import { cpuNs, createStandin, disposeStandin, sleep, spawnNode, startService, type Child } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { percentile, summarize } from './lib/stats';

const run$ = promisify(execFile);
const IN = 5;
const OUT = 8;
const PULSES = 1000;
/** Spacing between two changes of the burst, µs: 0 is as fast as the drive tool can (one flock for the whole burst). */
const SPACINGS = [0, 20, 100, 500] as const;
const WRITES_PER_S = 1000;

interface BurstRun {
  readonly spacingUs: number;
  readonly raised: number;
  readonly droppedByQueue: number;
  readonly counted: number;
  readonly lostReports: number;
  readonly burstMs: number;
  readonly writesSent: number;
  readonly writesAnswered: number;
  readonly writeP99Ms: number;
}

const burstRun = async (spacingUs: number, brokerUrl: string, standin: Awaited<ReturnType<typeof createStandin>>): Promise<BurstRun> => {
  standin.setLevel('gpiochip0', IN, 0);
  const service = startService(
    {
      thingName: 't',
      pins: [
        { pin: IN, direction: 'input', edge: 'both', count: 'rising' },
        { pin: OUT, direction: 'output', initial: 'low' },
      ],
      mqtt: { url: brokerUrl },
      gpio: { driver: 'libgpiod' },
    },
    { ...standin.env(), LOG_LEVEL: 'warn' },
  );
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-burst-${randomBytes(5).toString('hex')}` });
  try {
    let count = -1;
    let lostReports = 0;
    let answered = 0;
    const sentAt: number[] = [];
    const writeMs: number[] = [];
    let lastChange = performance.now();
    client.on('message', (topic, payload) => {
      if (topic === `gpio/t/${IN}/count`) {
        count = Number(payload.toString());
        lastChange = performance.now();
      } else if (topic === 'gpio/t/error' && payload.toString().includes('Edge events lost')) lostReports += 1;
      else if (topic === `gpio/t/${OUT}/state`) {
        const sent = sentAt[answered];
        answered += 1;
        if (sent !== undefined) writeMs.push(performance.now() - sent);
      }
    });
    await client.subscribeAsync([`gpio/t/${IN}/count`, 'gpio/t/error'], { qos: 1 });
    for (let i = 0; i < 500 && count !== 0; i++) await sleep(20); // the start-up count: the service is up
    if (count !== 0) throw new Error(`burst: no start-up count; ${service.stderr()}`);
    await client.subscribeAsync(`gpio/t/${OUT}/state`, { qos: 1 });
    await sleep(200); // the output's start-up state, if it came late, is not an answer
    answered = 0;
    // Writes at 1,000/s during the burst and until the counts settle: 10 every 10 ms, alternating levels.
    let level = 0;
    const writer = setInterval(() => {
      for (let i = 0; i < WRITES_PER_S / 100; i++) {
        level ^= 1;
        sentAt.push(performance.now());
        client.publish(`gpio/t/${OUT}/write`, String(level), { qos: 1 });
      }
    }, 10);
    await sleep(200);
    const cmd = standin.driveCommand('gpiochip0', IN, 1, 2 * PULSES, spacingUs);
    const t0 = performance.now();
    const out = await run$(cmd.file, cmd.args, { env: { ...process.env, ...cmd.env }, encoding: 'utf8' });
    const burstMs = performance.now() - t0;
    const drove = parseDrive(out.stdout);
    // Settled: no new count for 500 ms (or every pulse counted).
    while (count < PULSES && performance.now() - lastChange < 500) await sleep(20);
    await sleep(200);
    clearInterval(writer);
    const writesSent = sentAt.length;
    await sleep(300); // the last answers
    return {
      spacingUs,
      raised: drove.edges,
      droppedByQueue: drove.dropped,
      counted: count,
      lostReports,
      burstMs,
      writesSent,
      writesAnswered: answered,
      writeP99Ms: percentile(writeMs, 99),
    };
  } finally {
    await client.endAsync(true);
    await service.stop();
  }
};

/** CPU ns per second of wall time, of each process, over the same window. */
const idleCpu = async (procs: ReadonlyArray<Child>, windowMs: number): Promise<number[]> => {
  const c0 = procs.map((p) => cpuNs(p.pid));
  const t0 = process.hrtime.bigint();
  await sleep(windowMs);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  return procs.map((p, i) => (cpuNs(p.pid) - (c0[i] as number)) / wallS);
};

export const edges: Bench = {
  id: 'edges',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick
      ? { burstRuns: 1, spacings: [0, 100] as number[], cpuRuns: 2, windowMs: 3000, settleMs: 3000 }
      : { burstRuns: 3, spacings: [...SPACINGS] as number[], cpuRuns: 5, windowMs: 10_000, settleMs: 20_000 };
    const broker = await startMosquitto({ tcpNoDelay: false });
    const standin = await createStandin();
    const bursts: BurstRun[] = [];
    const cpu = { bare: [] as number[], edges: [] as number[], polled: [] as number[] };
    try {
      for (let run = 0; run < P.burstRuns; run++) {
        for (const spacing of interleave(run, P.spacings)) bursts.push(await burstRun(spacing, broker.url, standin));
        ctx.log(`edges: burst run ${run + 1}/${P.burstRuns}`);
      }
      const all28 = Array.from({ length: 28 }, (_, pin) => pin);
      for (let run = 0; run < P.cpuRuns; run++) {
        for (const pin of all28) standin.setLevel('gpiochip0', pin, 0);
        const bare = spawnNode(['-e', 'setInterval(() => {}, 1 << 30); process.stdout.write("ready\\n")'], {}, 'bare node');
        const withEdges = startService(
          { thingName: 'e', pins: all28.map((pin) => ({ pin, direction: 'input', edge: 'both' })), mqtt: { url: broker.url }, gpio: { driver: 'libgpiod' } },
          { ...standin.env(), LOG_LEVEL: 'warn' },
        );
        try {
          await bare.line((l) => l === 'ready', 10_000);
          // V8 runs its memory reducer (a GC of the start-up garbage) some seconds after start: let it pass first.
          await sleep(P.settleMs);
          if (withEdges.process.exitCode !== null) throw new Error(`the edge service exited: ${withEdges.stderr()}`);
          const [b, e] = await idleCpu([bare, withEdges], P.windowMs);
          cpu.bare.push(b as number);
          cpu.edges.push(e as number);
        } finally {
          await withEdges.stop();
          await bare.stop();
        }
        // The same 28 inputs polled at the Greengrass default (50 ms), for scale: what edges save.
        const polled = startService(
          { thingName: 'p', InputGpios: all28.join(','), InputPollPeriod: 50, mqtt: { url: broker.url }, gpio: { driver: 'libgpiod' } },
          { ...standin.env(), LOG_LEVEL: 'warn' },
        );
        try {
          await sleep(P.settleMs);
          const [p] = await idleCpu([polled], P.windowMs);
          cpu.polled.push(p as number);
        } finally {
          await polled.stop();
        }
        ctx.log(`edges: idle CPU run ${run + 1}/${P.cpuRuns}`);
      }
    } finally {
      await broker.stop();
      await disposeStandin(standin);
    }

    const bySpacing = (s: number) => bursts.filter((b) => b.spacingUs === s);
    const cells = P.spacings.map((s) => {
      const runs = bySpacing(s);
      return [
        s === 0 ? 'as fast as it can' : `${s} µs`,
        summarize(runs.map((r) => r.burstMs)),
        summarize(runs.map((r) => r.droppedByQueue)),
        summarize(runs.map((r) => r.counted)),
        summarize(runs.map((r) => r.lostReports)),
        summarize(runs.map((r) => r.writesAnswered / Math.max(1, r.writesSent))),
        summarize(runs.map((r) => r.writeP99Ms)),
      ];
    });
    const ms = (ns: number) => ns / 1e6; // CPU ns per s -> CPU ms per s
    const bare = summarize(cpu.bare.map(ms));
    const withEdges = summarize(cpu.edges.map(ms));
    const polled = summarize(cpu.polled.map(ms));
    const extra = summarize(cpu.edges.map((e, i) => ms(e - (cpu.bare[i] as number))));
    const noise = Math.max(0.5, bare.max - bare.min);
    const fastest = bySpacing(0);
    const everyOneFast = fastest.length > 0 && fastest.every((r) => r.counted === PULSES && r.droppedByQueue === 0);
    const lossless = P.spacings.filter((s) => bySpacing(s).every((r) => r.counted === PULSES && r.droppedByQueue === 0));
    const answeredAll = bursts.every((r) => r.writesAnswered >= r.writesSent);
    const targets: Target[] = [
      {
        what: `a burst of ${PULSES} pulses as fast as the stand-in raises them: every one counted`,
        goal: `count = ${PULSES}, none dropped`,
        value: `counted ${fmt(summarize(fastest.map((r) => r.counted)).median)} (queue dropped ${fmt(summarize(fastest.map((r) => r.droppedByQueue)).median)}); every pulse counted at ${lossless.length > 0 ? `${Math.min(...lossless)} µs spacing and slower` : 'no spacing measured'}`,
        met: everyOneFast,
      },
      { what: `write requests at ${WRITES_PER_S}/s during every burst: all answered`, goal: 'answered = sent', value: answeredAll ? 'all' : 'not all', met: answeredAll },
      {
        what: '28 idle edge inputs: CPU above a bare Node process',
        goal: `within noise (≤ ${fmt(noise)} ms CPU per s: the spread of the bare process, at least 0.5)`,
        value: `${fmt(extra.median)} ms/s`,
        met: extra.median <= noise,
      },
    ];
    return {
      id: this.id,
      title: '8. Edges: bursts and idle cost',
      about: [
        `**Bursts.** The service (\`gpio.driver: libgpiod\` over the stand-in, Mosquitto as installed) watches GPIO ${IN} (\`edge: both\`, \`count: rising\`) ` +
          `and drives GPIO ${OUT}. A requester sends writes to GPIO ${OUT} at ${WRITES_PER_S} per second (10 every 10 ms, QoS 1) for the whole run; ` +
          `meanwhile the stand-in's C drive tool raises ${PULSES} pulses (${2 * PULSES} changes) on GPIO ${IN}, as fast as it can (one \`flock\` for the ` +
          'whole burst, each change about a microsecond) or with a pause between changes. Each change is queued as uAPI v1 queues it: at most 16 ' +
          'events per line, and a full queue drops the new one (the tool counts the drops). Once the count has not moved for 500 ms, the run ' +
          `records the last count published, the \`Edge events lost\` reports, and the writes answered. One fresh service per run; ${P.burstRuns} runs, ` +
          'the spacings in rotating order.',
        `**Idle CPU.** A bare Node process (\`setInterval(() => {}, 1 << 30)\`) and the service with 28 edge inputs (GPIO 0-27, \`edge: both\`: 28 event ` +
          `fds, one reader thread waiting on them in epoll, no timer) run side by side; after ${P.settleMs / 1000} s (V8 collects the start-up garbage some seconds after a start: a one-off, not an idle cost), the CPU each uses over the same ` +
          `${P.windowMs / 1000} s (the sum of its threads' /proc schedstat) is divided by the wall time. Then the same 28 inputs polled every 50 ms ` +
          `(the Greengrass default), for scale. ${P.cpuRuns} runs.`,
      ],
      tables: [
        {
          caption: `Bursts of ${PULSES} pulses, per spacing between changes: median (min–max) over the runs.`,
          columns: ['spacing', 'burst ms', 'dropped by the queue', 'counted', '`Edge events lost` reports', 'writes answered / sent', 'write p99 ms'],
          cells,
        },
        {
          caption: 'Idle, CPU ms per second of wall time (1 ms/s = 0.1 % of one core):',
          rows: [
            { label: 'bare Node process', unit: 'ms/s', summary: bare },
            { label: 'service, 28 edge inputs', unit: 'ms/s', summary: withEdges },
            { label: 'service − bare, run by run', unit: 'ms/s', summary: extra },
            { label: 'service, 28 inputs polled every 50 ms', unit: 'ms/s', summary: polled },
          ],
        },
      ],
      targets,
      raw: { bursts, cpu },
    };
  },
};
