/**
 * Figure 1, the request path: write-then-state round trips through a real
 * Mosquitto, closed loop, the service against a bare echo client (the limit),
 * the service with its metrics endpoint on (scraped once a run, before its window), and, with
 * --baseline, the baseline's service (before).
 */
import { cpus } from 'node:os';
import { Subject, tap } from 'rxjs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { httpGet } from '../spec/support/http';
import { freePort } from '../spec/support/ports';
import { parsePrometheusText, sampleOf } from '../spec/support/prometheus-text';
import { type Baseline, describeBaseline } from './lib/baseline';
import { alternatePasses, type Bench, type Context, interleave } from './lib/bench';
import { type Broker, startMosquitto } from './lib/mosquitto';
import { cpuNs, LIB, ROOT, rssKb, sleep, spawnNode, startService, type Child } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { connectRequesters, type Requester, type Sample } from './lib/requesters';
import { percentile, ratios, summarize, type Summary } from './lib/stats';

const PINS = [8, 9, 10, 11];
const CONCURRENCY = [1, 4] as const;
const QOS = [0, 1] as const;
type Side = 'service' | 'metrics' | 'limit' | 'before';
/** Load on each side before its runs: the service's optimising compiler settles after about 4 s of requests, counting the first runs. */
const JIT_WARM_MS = 3000;

/** One side, one run: what the requesters saw and what the responder spent. */
interface Measurement {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU of the responder (service or echo) per round trip, µs, all its threads. */
  readonly cpuUsPerTrip: number;
  /** CPU shares of one core over the window: responder, broker, the requesters (this process). */
  readonly responderCpu: number;
  readonly brokerCpu: number;
  readonly requestersCpu: number;
}

interface Responder {
  readonly side: Side;
  readonly process: Child;
  readonly brokerPid: number;
  readonly requesters: Requester[];
  /** The metrics side's `/metrics` URL: scraped once a run, at the start of its warm-up (its CPU out of the window). */
  readonly scrapeUrl?: string;
}

/** `c` requesters closed loop for warm-up + window; figures from the window only. */
const measure = async (r: Responder, c: number, warmMs: number, windowMs: number): Promise<Measurement> => {
  const cpu = () => ({ responder: cpuNs(r.process.pid), broker: cpuNs(r.brokerPid), self: process.cpuUsage() });
  let start = { at: 0, cpu: cpu() };
  let end = start;
  // A scrape is work once a scrape interval (15 s by default in Prometheus), not twice a second: it is made
  // each run, at the start of the warm-up, so the window measures what metrics add to each request.
  if (r.scrapeUrl !== undefined) void httpGet(r.scrapeUrl).catch(() => undefined);
  const t1 = setTimeout(() => {
    start = { at: performance.now(), cpu: cpu() };
  }, warmMs);
  const t2 = setTimeout(() => (end = { at: performance.now(), cpu: cpu() }), warmMs + windowMs);
  const all: Sample[] = (await Promise.all(r.requesters.slice(0, c).map((q) => q.closedLoop(warmMs + windowMs + 50)))).flat();
  clearTimeout(t1);
  clearTimeout(t2);
  const inWindow = all.filter((s) => s.at >= start.at && s.at <= end.at);
  const wallMs = end.at - start.at;
  const self = { user: end.cpu.self.user - start.cpu.self.user, system: end.cpu.self.system - start.cpu.self.system };
  return {
    perSecond: inWindow.length / (wallMs / 1000),
    p50: percentile(inWindow.map((s) => s.ms), 50),
    p99: percentile(inWindow.map((s) => s.ms), 99),
    cpuUsPerTrip: (end.cpu.responder - start.cpu.responder) / 1000 / inWindow.length,
    responderCpu: (end.cpu.responder - start.cpu.responder) / 1e6 / wallMs,
    brokerCpu: (end.cpu.broker - start.cpu.broker) / 1e6 / wallMs,
    requestersCpu: (self.user + self.system) / 1000 / wallMs,
  };
};

/** The echo (limit), or the service: this tree's (service; metrics: with metrics.port) or the baseline's (before); with its requesters, probed. */
const startResponder = async (side: Side, qos: 0 | 1, broker: Broker, baseline?: Baseline): Promise<Responder> => {
  let proc: Child;
  let scrapeUrl: string | undefined;
  if (side === 'limit') {
    proc = spawnNode([join(LIB, 'echo.js'), broker.url, String(qos), 't'], {}, 'echo');
    await proc.line((l) => l === 'ready');
  } else {
    const metricsPort = side === 'metrics' ? await freePort() : undefined;
    const config = {
      thingName: 't',
      OutputGpios: PINS.join(','),
      mqtt: { url: broker.url, qos },
      gpio: { driver: 'sim' },
      ...(metricsPort === undefined ? {} : { metrics: { port: metricsPort } }),
    };
    proc = startService(config, { LOG_LEVEL: 'warn' }, [], side === 'before' ? baseline?.main : undefined);
    if (metricsPort !== undefined) scrapeUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  }
  const requesters = await connectRequesters(PINS.length, broker.url, qos, (i) => [PINS[i] as number]);
  await Promise.all(requesters.map((q) => q.probe()));
  return { side, process: proc, brokerPid: broker.pid, requesters, ...(scrapeUrl === undefined ? {} : { scrapeUrl }) };
};

type Cells = Array<Array<string | Summary>>;

const of = (ms: ReadonlyArray<Measurement>, f: (m: Measurement) => number): Summary => summarize(ms.map(f));

/** One grid row per side: throughput, latency, CPU. */
const sideCells = (case_: string, sides: ReadonlyArray<readonly [string, ReadonlyArray<Measurement>]>): Cells =>
  sides.map(([side, ms]) => [
    `${case_}: ${side}`,
    of(ms, (m) => m.perSecond),
    of(ms, (m) => m.p50),
    of(ms, (m) => m.p99),
    of(ms, (m) => m.cpuUsPerTrip),
    of(ms, (m) => m.responderCpu * 100),
    of(ms, (m) => m.brokerCpu * 100),
    of(ms, (m) => m.requestersCpu * 100),
  ]);

/** a / b, run by run (service / limit, after / before). */
const ratioRow = (a: ReadonlyArray<Measurement>, b: ReadonlyArray<Measurement>) => {
  const r = (f: (m: Measurement) => number) => summarize(ratios(a.map(f), b.map(f)));
  return { throughput: r((m) => m.perSecond), p50: r((m) => m.p50), p99: r((m) => m.p99), cpu: r((m) => m.cpuUsPerTrip) };
};

interface Plan {
  readonly runs: number;
  readonly warmMs: number;
  readonly windowMs: number;
}

const key = (qos: number, c: number, side: Side) => `${qos}/${c}/${side}`;

/** What measureAll also notes, per `qos/side`: each responder's RSS after its runs, and what the metrics side counted. */
interface Notes {
  readonly rssMiB: Map<string, number>;
  /** `gpio_requests_total{kind="write",outcome="ok"}` from the metrics side's last scrape, read strictly. */
  readonly writesCounted: Map<number, number>;
}

/**
 * Every side, each QoS and concurrency, `plan.runs` times; in each run the
 * sides back to back, in rotating order. Fresh brokers and responders per QoS.
 */
const measureAll = async (
  ctx: Context,
  plan: Plan,
  qosList: ReadonlyArray<0 | 1>,
  concurrency: ReadonlyArray<number>,
  tcpNoDelay: boolean,
  sides: ReadonlyArray<Side>,
  notes?: Notes,
): Promise<Map<string, Measurement[]>> => {
  const results = new Map<string, Measurement[]>();
  for (const qos of qosList) {
    const brokers = await Promise.all(sides.map(() => startMosquitto({ tcpNoDelay })));
    try {
      const responders = await Promise.all(sides.map((side, i) => startResponder(side, qos, brokers[i] as Broker, ctx.baseline)));
      try {
        // JIT and connections warm on every side before anything counts.
        for (const r of responders) await measure(r, Math.max(...concurrency), 0, ctx.quick ? 150 : JIT_WARM_MS);
        for (let run = 0; run < plan.runs; run++) {
          for (const c of concurrency) {
            for (const r of interleave(run, responders)) {
              const m = await measure(r, c, plan.warmMs, plan.windowMs);
              results.set(key(qos, c, r.side), [...(results.get(key(qos, c, r.side)) ?? []), m]);
              await sleep(20);
            }
          }
        }
        ctx.log(`request path: QoS ${qos}${tcpNoDelay ? '' : ' (Mosquitto defaults)'}: ${plan.runs} runs done`);
        for (const r of responders) {
          notes?.rssMiB.set(`${qos}/${r.side}`, rssKb(r.process.pid) / 1024);
          if (r.scrapeUrl === undefined || notes === undefined) continue;
          const families = parsePrometheusText((await httpGet(r.scrapeUrl)).body);
          notes.writesCounted.set(qos, sampleOf(families, 'gpio_requests_total', { kind: 'write', outcome: 'ok' }));
        }
      } finally {
        for (const r of responders) {
          for (const q of r.requesters) await q.end();
          await r.process.stop();
        }
      }
    } finally {
      for (const b of brokers) await b.stop();
    }
  }
  return results;
};

/** Off and on, per request, in ns: each a summary over the passes; `added` is on − off, pass by pass. */
interface PipelineCost {
  readonly off: Summary;
  readonly on: Summary;
  readonly added: Summary;
}

/**
 * What metrics add to a request in the service's own pipeline, in-process on
 * the compiled code, without MQTT or a broker (whose noise would hide it):
 * `n` write requests made beforehand (topics as flat strings, as MQTT.js
 * decodes them; each with its own reply object) pushed through `connector`
 * on the simulated chip, as main wires it with metrics off (no operator
 * added) and on (the request and output taps, and the count of each answer's
 * publish, as the `packetsend` listener does). Off and on alternate, pass by
 * pass; ns per request.
 */
const pipelineCost = (n: number, passes: number): PipelineCost => {
  type Dist = typeof import('../src/streams/connector') & typeof import('../src/adapters/gpio/sim') & typeof import('../src/adapters/metrics/tally') & typeof import('../src/core/metrics');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dist/ is built at run time: not a module of this program
  const load = (path: string) => require(join(ROOT, 'dist', ...path.split('/'))) as Partial<Dist>;
  const dist = { ...load('streams/connector.js'), ...load('adapters/gpio/sim.js'), ...load('adapters/metrics/tally.js'), ...load('core/metrics.js') } as Dist;
  const pins = PINS.map((pin) => ({ pin, direction: 'output' as const, initial: 0 as const, activeLow: false }));
  const opened = dist.openSimDriver(pins);
  if (opened._tag === 'Left') throw new Error(opened.left);
  const deps = { thingName: 't', pins, pollPeriodMs: 50, driver: opened.right };
  const counts = dist.emptyTally();
  const counter = dist.requestCounter(counts);
  const stateTopics = PINS.map((pin) => Buffer.from(`gpio/t/${pin}/state`).toString('utf8'));
  const pass = (on: boolean): number => {
    const requests = Array.from({ length: n }, (_, i) => ({
      topic: Buffer.from(`gpio/t/${PINS[i % PINS.length]}/write`).toString('utf8'),
      payload: i % 8 < 4 ? '1' : '0',
      retained: false,
      reply: { qos: 0 as const },
    }));
    const request$ = new Subject<(typeof requests)[number]>();
    let answered = 0;
    const sink = (o: { readonly _tag: string; readonly pin?: number }) => {
      if (o._tag !== 'State') return;
      answered += 1;
      if (on) counts.publishes[dist.publishKind(stateTopics[PINS.indexOf(o.pin as number)] as string, 'gpio/t/')] += 1;
    };
    const subscription = (
      on ? dist.connector({ request$: request$.pipe(tap(counter.request)) }, deps).pipe(tap(counter.output)) : dist.connector({ request$ }, deps)
    ).subscribe(sink);
    answered = 0; // the start-up states
    const t0 = process.hrtime.bigint();
    for (const r of requests) request$.next(r);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    subscription.unsubscribe();
    if (answered !== n) throw new Error(`pipeline cost: ${answered} answers to ${n} requests`);
    return ns;
  };
  const { off, on, added } = alternatePasses(pass, passes);
  return { off: summarize(off), on: summarize(on), added: summarize(added) };
};

export const requestPath: Bench = {
  id: 'request-path',
  async run(ctx: Context): Promise<Section> {
    // Many short runs rather than a few long ones: this machine's speed swings within seconds (100 ms buckets of one side alone
    // ranged 1.1k to 6k round trips/s), so what compares the sides is the number of back-to-back pairs, not the length of each.
    const P: Plan = ctx.quick ? { runs: 5, warmMs: 50, windowMs: 100 } : { runs: 25, warmMs: 150, windowMs: 500 };
    const before = ctx.baseline;
    const sides: Side[] = before !== undefined ? ['service', 'metrics', 'before', 'limit'] : ['service', 'metrics', 'limit'];
    const notes: Notes = { rssMiB: new Map(), writesCounted: new Map() };
    const results = await measureAll(ctx, P, QOS, CONCURRENCY, true, sides, notes);
    // Mosquitto as installed (Nagle on): a QoS 1 round trip waits ~40 ms on the broker; a short pass shows it.
    const cost = pipelineCost(ctx.quick ? 5_000 : 50_000, ctx.quick ? 5 : 21);
    const nagle = ctx.quick ? undefined : await measureAll(ctx, { runs: 5, warmMs: 100, windowMs: 1000 }, [1], [1], false, ['service', 'limit']);

    const cells: Cells = [];
    const ratioCells: Cells = [];
    const beforeCells: Cells = [];
    const metricsCells: Cells = [];
    const targets: Target[] = [];
    const metricsTargets: Target[] = [];
    for (const qos of QOS) {
      for (const c of CONCURRENCY) {
        const case_ = `QoS ${qos}, ${c} requester${c === 1 ? '' : 's'}`;
        const a = results.get(key(qos, c, 'service')) ?? [];
        const b = results.get(key(qos, c, 'limit')) ?? [];
        const was = results.get(key(qos, c, 'before')) ?? [];
        const on = results.get(key(qos, c, 'metrics')) ?? [];
        const withMetrics: [string, Measurement[]] = ['service, metrics on', on];
        cells.push(
          ...sideCells(
            case_,
            before !== undefined
              ? [['service (after)', a], withMetrics, [`before (${before.short})`, was], ['limit (echo)', b]]
              : [['service', a], withMetrics, ['limit (echo)', b]],
          ),
        );
        const m = ratioRow(on, a);
        metricsCells.push([case_, m.throughput, m.p50, m.p99, m.cpu]);
        metricsTargets.push({ what: `${case_}: throughput, metrics on / off`, goal: '≥ 0.98', value: fmt(m.throughput.median), met: m.throughput.median >= 0.98 });
        const r = ratioRow(a, b);
        ratioCells.push([case_, r.throughput, r.p50, r.p99, r.cpu]);
        if (before !== undefined) {
          const w = ratioRow(a, was);
          beforeCells.push([case_, w.throughput, w.p50, w.p99, w.cpu]);
        }
        targets.push(
          { what: `${case_}: throughput, service / limit`, goal: '≥ 0.9', value: fmt(r.throughput.median), met: r.throughput.median >= 0.9 },
          { what: `${case_}: p99 latency, service / limit`, goal: '≤ 1.2', value: fmt(r.p99.median), met: r.p99.median <= 1.2 },
        );
        targets.push(metricsTargets[metricsTargets.length - 1] as Target);
      }
    }
    const cheapest = Math.min(...QOS.flatMap((q) => CONCURRENCY.map((c) => of(results.get(key(q, c, 'service')) ?? [], (m) => m.cpuUsPerTrip).median)));
    const addedShare = cost.added.median / 1000 / cheapest;
    const resolved: Target = {
      what: "metrics on: CPU added per request (in-process) / the service's CPU per round trip (cheapest case)",
      goal: '≤ 2 %',
      value: `${fmt(addedShare * 100)} %`,
      met: addedShare <= 0.02,
    };
    targets.push(resolved);
    const nagleCells: Cells = [];
    if (nagle !== undefined) {
      const a = nagle.get(key(1, 1, 'service')) ?? [];
      const b = nagle.get(key(1, 1, 'limit')) ?? [];
      nagleCells.push(...sideCells('QoS 1, 1 requester, Mosquitto defaults', [['service', a], ['limit (echo)', b]]));
    }

    return {
      id: this.id,
      title: '1. Request path',
      about: [
        'Write-then-state round trips through a real Mosquitto started by the harness on a free loopback port ' +
          '(with `set_tcp_nodelay true`: see the last table for why). ' +
          'Each requester is its own MQTT.js client in the harness process, closed loop: it publishes `gpio/t/<pin>/write` ' +
          '(alternately `1` and `0`, at the QoS under test), waits for the `gpio/t/<pin>/state` carrying that level, and repeats; ' +
          `each requester has its own output pin (${PINS.join(', ')}).`,
        '**Service**: `node dist/main.js`, `gpio.driver: sim`, outputs ' +
          `${PINS.join(', ')} (no inputs, so no polling), \`mqtt.qos\` the QoS under test, \`LOG_LEVEL=warn\`. ` +
          '**Limit**: `bench/lib/echo.js`, a bare MQTT.js client in its own process that subscribes to `gpio/t/+/write` and ' +
          'publishes each payload to the matching `state` topic at the same QoS: no validation, no GPIO, no RxJS; like the service, it turns Nagle off on its socket (`setNoDelay`). ' +
          '**Metrics on**: the same service with `metrics: {port: <free port>}`, its `/metrics` scraped once a run, at the start of the ' +
          'warm-up, so that the scrape (a few ms of CPU, once a scrape interval for a real Prometheus, 15 s by default) is not in the window ' +
          '(until 2026-12-07 it was at the start of the window, twice a second with 500 ms windows). ' +
          'Each side has its own Mosquitto; the sides are measured one after the other in every run, in rotating order.',
        `A run: ${P.warmMs} ms warm-up, then a ${P.windowMs} ms window; throughput is the answers received in the window per second, ` +
          'p50/p99 over every round trip of the window (all requesters). CPU is read from /proc (all threads) over the same window: ' +
          '"µs CPU per trip" is the responder\'s (service or echo) CPU time per round trip; the CPU % columns are shares of one core ' +
          `(this machine has ${cpus().length} cores: requesters, broker and responder share them). ` +
          `${P.runs} runs per cell, after ${JIT_WARM_MS} ms of load on each side to warm its JIT (the service's optimising compiler settles after about 4 s of requests); ratios are computed run by run (service run i / limit run i; metrics on run i / service run i) and then summarised.`,
        ...(before !== undefined
          ? [
              `**Before**: the service of commit ${describeBaseline(before)}, built on the side (\`node .tmp/bench-baseline/<sha>/dist/main.js\`), ` +
                'same config (metrics off), with a Mosquitto of its own: one more side, measured in every run with the others, all in rotating order. ' +
                '**After** is the service above. The after / before ratios are computed run by run (after run i / before run i), like the others.',
            ]
          : []),
      ],
      tables: [
        {
          caption: 'Each cell: median (min–max) over the runs.',
          columns: ['case', 'round trips/s', 'p50 ms', 'p99 ms', 'µs CPU per trip (responder)', 'responder CPU %', 'broker CPU %', 'requesters CPU %'],
          cells,
        },
        {
          caption: 'Service / limit, run by run: median (min–max).',
          columns: ['case', 'throughput ratio', 'p50 ratio', 'p99 ratio', 'CPU per trip ratio'],
          cells: ratioCells,
        },
        {
          caption:
            'Metrics on / off (the service with `metrics.port` and scraped, against the same service without), run by run: median (min–max). ' +
            'Above 1 is more throughput; below 1 is faster for p50, p99 and CPU.',
          columns: ['case', 'throughput on / off', 'p50 on / off', 'p99 on / off', 'CPU per trip on / off'],
          cells: metricsCells,
        },
        {
          caption:
            `Resident memory of each responder after its runs (MiB). The metrics side's last scrape, read by the strict exposition-format reader of the tests, ` +
            `counted ${QOS.map((q) => `${fmt(notes.writesCounted.get(q) ?? NaN)} answered writes at QoS ${q}`).join(' and ')}.`,
          columns: ['QoS', ...sides],
          cells: QOS.map((q) => [`QoS ${q}`, ...sides.map((side) => fmt(notes.rssMiB.get(`${q}/${side}`) ?? NaN))]),
        },
        ...(before !== undefined
          ? [
              {
                caption: `After / before (\`${before.short}\`), run by run: median (min–max). Below 1 is faster for p50, p99 and CPU; above 1 is more throughput.`,
                columns: ['case', 'throughput after / before', 'p50 after / before', 'p99 after / before', 'CPU per trip after / before'],
                cells: beforeCells,
              },
            ]
          : []),
        ...(nagleCells.length > 0
          ? [
              {
                caption:
                  '**Mosquitto as installed** (`set_tcp_nodelay false`, Nagle on), QoS 1, 1 requester, 1000 ms windows, 5 runs. ' +
                  'Every QoS 1 round trip takes about 40 ms more, on both sides alike: Mosquitto sends the requester the PUBACK of its write, ' +
                  'then the answer, and Nagle holds the answer until the requester\'s TCP acknowledges the PUBACK, which Linux delays by up to 40 ms. ' +
                  'The service cannot change this; `set_tcp_nodelay true` in mosquitto.conf removes it (the tables above).',
                columns: ['case', 'round trips/s', 'p50 ms', 'p99 ms', 'µs CPU per trip (responder)', 'responder CPU %', 'broker CPU %', 'requesters CPU %'],
                cells: nagleCells,
              },
            ]
          : []),
      ],
      targets,
      notes: [
        (() => {
          return (
            `**What metrics add to a request, resolved**: the round trips above go through a broker and the requesters on the same 2 cores, ` +
            `and their noise${before !== undefined ? ' (see after / before: the same request path on both sides)' : ''} is larger than the effect. In-process, on the compiled code, ` +
            `${ctx.quick ? '5,000' : '50,000'} write requests pushed through \`connector\` on the simulated chip take ${fmt(cost.off.median)} ns each as main wires it with metrics off ` +
            `and ${fmt(cost.on.median)} ns with the metrics taps and the publish count (median of ${ctx.quick ? 5 : 21} alternating passes); ` +
            `on − off, pass by pass: ${fmt(cost.added.median)} ns (min ${fmt(cost.added.min)}, max ${fmt(cost.added.max)}). ` +
            `The service spends ${fmt(cheapest)} µs of CPU per round trip in its cheapest case above, so metrics add ` +
            `${fmt(addedShare * 100)} % to it, which bounds what they can take from throughput while the responder's CPU is what limits it. ` +
            'A scrape is extra work once a scrape interval. Without `metrics.port`, the service loads none of this code and adds no operator to its streams.'
          );
        })(),
      ],
      glance: [
        {
          what: 'throughput, service / limit (4 cases)',
          goal: '≥ 0.9',
          value: `worst ${fmt(Math.min(...ratioCells.map((r) => (r[1] as { median: number }).median)))}`,
          met: targets.filter((t) => t.what.includes('throughput, service / limit')).every((t) => t.met),
        },
        {
          what: 'p99 latency, service / limit (4 cases)',
          goal: '≤ 1.2',
          value: `worst ${fmt(Math.max(...ratioCells.map((r) => (r[3] as { median: number }).median)))}`,
          met: targets.filter((t) => t.what.includes('p99')).every((t) => t.met),
        },
        {
          what: 'throughput, metrics on / off (4 cases)',
          goal: '≥ 0.98',
          value: `worst ${fmt(Math.min(...metricsCells.map((r) => (r[1] as { median: number }).median)))}`,
          met: metricsTargets.every((t) => t.met),
        },
        resolved,
      ],
      raw: { nodelay: Object.fromEntries(results), pipelineNsPerRequest: cost, rssMiB: Object.fromEntries(notes.rssMiB), ...(nagle !== undefined ? { mosquittoDefaults: Object.fromEntries(nagle) } : {}) },
    };
  },
};
