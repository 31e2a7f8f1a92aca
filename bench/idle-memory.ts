/**
 * Figure 4, memory at idle: the service's resident memory by configuration
 * (embedded broker or Mosquitto; 1 and 28 pins) against a bare Node process,
 * a bare MQTT.js client and, for flyte/mqtt-io's side, python3 alone and
 * python3 with paho-mqtt, all in the same run; V8 flags the systemd unit could
 * set, with what they cost in round-trip latency; where the memory goes (by
 * phase, by library, a heap snapshot at idle).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../spec/support/ports';
import { startMosquitto } from './lib/mosquitto';
import { interleave, type Bench, type Context } from './lib/bench';
import { summarizeHeapSnapshot } from './lib/heap-summary';
import { cpuNs, isReadyLine, LIB, rssKb, sleep, spawnNode, startService, type Child } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { Requester } from './lib/requesters';
import { median, percentile, summarize, type Summary } from './lib/stats';

const PINS_28 = { InputGpios: '0,1,2,3,4,5,6,7,8,9,10,11,12,13', OutputGpios: '14,15,16,17,18,19,20,21,22,23,24,25,26,27' };
const PINS_1 = { OutputGpios: '14' };
const PYTHON = '/usr/bin/python3';
/** mqtt-io 2.6's idle RSS with 28 pins, measured by issue 16 on the VM; the target is 1.2 times it. */
const MQTT_IO_MIB = 43;
const TARGET_MIB = 1.2 * MQTT_IO_MIB;

/** The V8 flags measured, on Mosquitto with 28 pins; '' is none. */
const FLAGS = ['', '--max-semi-space-size=1', '--optimize-for-size', '--lite-mode', '--lite-mode --max-semi-space-size=1', '--max-old-space-size=32'];

interface Side {
  readonly label: string;
  /** Starts the process; resolves once it is idle (ready). */
  start(url: string, ctx: Context): Promise<Child>;
  /** Measure round trips on output 14 after the idle samples. */
  readonly latency?: boolean;
}

const reference = (label: string, args: (url: string) => string[], command?: string): Side => ({
  label,
  async start(url) {
    const child = spawnNode(args(url), {}, label, command);
    await child.line((l) => l === 'ready');
    return child;
  },
});

const service = (label: string, pins: object, broker: 'mosquitto' | 'embedded', flags = '', latency = false, main?: string): Side => ({
  label,
  latency,
  async start(url) {
    const mqtt = broker === 'mosquitto' ? { url } : { port: await freePort() };
    const child = startService({ thingName: 't', ...pins, mqtt, gpio: { driver: 'sim' } }, {}, flags === '' ? [] : flags.split(' '), main);
    await child.line(isReadyLine);
    return child;
  },
});

const mib = (kb: number) => kb / 1024;

export const idleMemory: Bench = {
  id: 'idle-memory',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick ? { runs: 1, settleMs: 1000, loadMs: 500, cpuMs: 1000 } : { runs: 3, settleMs: 3000, loadMs: 2000, cpuMs: 3000 };
    const python = existsSync(PYTHON);
    const paho = python && spawnSyncOk(PYTHON, ['-c', 'import paho.mqtt']);
    const sides: Side[] = [
      reference('bare Node', () => [join(LIB, 'idle-child.js'), 'bare']),
      reference('bare MQTT.js client (its defaults)', (url) => [join(LIB, 'idle-child.js'), 'mqtt', url]),
      reference('bare MQTT.js client, writeCache off', (url) => [join(LIB, 'idle-child.js'), 'mqtt', url, 'off']),
      ...(python ? [reference('bare python3', () => [join(LIB, 'idle-paho.py'), 'bare'], PYTHON)] : []),
      ...(paho ? [reference('python3 + paho-mqtt (proxy for mqtt-io)', (url) => [join(LIB, 'idle-paho.py'), 'paho', url], PYTHON)] : []),
      service('service, Mosquitto, 28 pins', PINS_28, 'mosquitto', '', true),
      service('service, Mosquitto, 1 pin', PINS_1, 'mosquitto'),
      service('service, embedded broker, 28 pins', PINS_28, 'embedded'),
      service('service, embedded broker, 1 pin', PINS_1, 'embedded'),
      ...FLAGS.filter((f) => f !== '').map((f) => service(`service, Mosquitto, 28 pins, ${f}`, PINS_28, 'mosquitto', f, true)),
      ...(ctx.baseline === undefined ? [] : [service(`before (${ctx.baseline.sha.slice(0, 7)}), Mosquitto, 28 pins`, PINS_28, 'mosquitto', '', true, ctx.baseline.main)]),
    ];
    const broker = await startMosquitto({ tcpNoDelay: true });
    const idle = new Map<string, number[]>(sides.map((s) => [s.label, []]));
    const loaded = new Map<string, number[]>();
    const p50 = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const trips = new Map<string, number[]>();
    const idleCpu = new Map<string, number[]>();
    const tripCpu = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    try {
      for (let run = 0; run < P.runs; run++) {
        for (const side of interleave(run, sides)) {
          const child = await side.start(broker.url, ctx);
          try {
            await sleep(P.settleMs);
            const samples: number[] = [];
            for (let i = 0; i < 5; i++) {
              if (i > 0) await sleep(200);
              samples.push(mib(rssKb(child.pid)));
            }
            push(idle, side.label, median(samples));
            // Idle CPU: what polling (28 inputs every 50 ms) and keepalives cost, per second of wall time.
            const cpu0 = cpuNs(child.pid);
            await sleep(P.cpuMs);
            push(idleCpu, side.label, (cpuNs(child.pid) - cpu0) / 1e6 / (P.cpuMs / 1000));
            if (side.latency === true) {
              const r = await Requester.connect(broker.url, 0, [14]);
              await r.probe();
              const cpu1 = cpuNs(child.pid);
              const trip = await r.closedLoop(P.loadMs);
              push(tripCpu, side.label, (cpuNs(child.pid) - cpu1) / 1e3 / trip.length);
              await r.end();
              const ms = trip.map((t) => t.ms);
              push(p50, side.label, percentile(ms, 50));
              push(p99, side.label, percentile(ms, 99));
              push(trips, side.label, trip.length / (P.loadMs / 1000));
              await sleep(P.settleMs);
              push(loaded, side.label, mib(rssKb(child.pid)));
            }
          } finally {
            await child.stop();
          }
          ctx.log(`idle-memory: run ${run + 1}/${P.runs}: ${side.label}: ${fmt(idle.get(side.label)?.at(-1) ?? NaN)} MiB`);
        }
      }
      const phases = await phasesOfService(broker.url, P.settleMs);
      const costs = loadCosts();
      return section(ctx, P, sides, { idle, loaded, p50, p99, trips, idleCpu, tripCpu }, phases, costs, { python, paho });
    } finally {
      await broker.stop();
    }
  },
};

const spawnSyncOk = (cmd: string, args: string[]): boolean => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
};

interface Phase {
  readonly phase: string;
  readonly rssKb: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly packages: Record<string, number>;
}

/** The service (Mosquitto, 28 pins) with bench/lib/phase-probe.js preloaded: memory by phase and a heap snapshot at idle. */
const phasesOfService = async (url: string, settleMs: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-bench-phases-'));
  const out = join(dir, 'phases.jsonl');
  const snapshot = join(dir, 'idle.heapsnapshot');
  const child = startService({ thingName: 't', ...PINS_28, mqtt: { url }, gpio: { driver: 'sim' } }, { PHASE_OUT: out, PHASE_SNAPSHOT: snapshot }, [
    '--expose-gc',
    '-r',
    join(LIB, 'phase-probe.js'),
  ]);
  try {
    await child.line(isReadyLine);
    await sleep(settleMs);
    child.process.kill('SIGUSR2');
    for (let i = 0; i < 100 && !(existsSync(out) && readFileSync(out, 'utf8').includes('snapshot written')); i++) await sleep(100);
    const phases = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Phase)
      .filter((p) => p.rssKb !== undefined);
    return { phases, heap: summarizeHeapSnapshot(snapshot) };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

interface LoadStep {
  readonly label: string;
  readonly rssKb: number;
  readonly heapUsed: number;
  readonly modules: number;
}

/** What loading each library costs: alone (each in a fresh Node), and in the service's order (the increments). */
const loadCosts = () => {
  const load = (mods: string[]): LoadStep[] => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(process.execPath, ['--expose-gc', join(LIB, 'idle-child.js'), 'load', ...mods], { input: '', encoding: 'utf8', timeout: 30_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('['));
    if (line === undefined) throw new Error(`load ${mods.join(' ')}: ${r.stderr}`);
    return JSON.parse(line) as LoadStep[];
  };
  const LIBS = ['fp-ts/Either', 'io-ts', 'yaml', 'rxjs', 'mqtt', 'aedes', 'prom-client'];
  const alone = LIBS.map((m) => {
    const [base, after] = load([m]) as [LoadStep, LoadStep];
    return { label: m, rssKb: after.rssKb - base.rssKb, heapUsed: after.heapUsed - base.heapUsed, modules: after.modules - base.modules };
  });
  const steps = load(['fp-ts/Either', 'io-ts', 'yaml', 'rxjs', 'mqtt', 'aedes']);
  const inOrder = steps.slice(1).map((s, i) => {
    const prev = steps[i] as LoadStep;
    return { label: s.label, rssKb: s.rssKb - prev.rssKb, heapUsed: s.heapUsed - prev.heapUsed, modules: s.modules - prev.modules };
  });
  return { alone, inOrder };
};

const MB = 1024 * 1024;

const section = (
  ctx: Context,
  P: { runs: number; settleMs: number; loadMs: number; cpuMs: number },
  sides: ReadonlyArray<Side>,
  m: Record<'idle' | 'loaded' | 'p50' | 'p99' | 'trips' | 'idleCpu' | 'tripCpu', Map<string, number[]>>,
  measured: Awaited<ReturnType<typeof phasesOfService>>,
  costs: ReturnType<typeof loadCosts>,
  have: { python: boolean; paho: boolean },
): Section => {
  const s = (k: keyof typeof m, label: string): Summary | string => {
    const xs = m[k].get(label);
    return xs === undefined || xs.length === 0 ? '–' : summarize(xs);
  };
  const med = (k: keyof typeof m, label: string): number => median(m[k].get(label) ?? [NaN]);
  const bare = med('idle', 'bare Node');
  const main28 = 'service, Mosquitto, 28 pins';
  const flagged = (f: string) => (f === '' ? main28 : `${main28}, ${f}`);
  const best = FLAGS.map((f) => ({ f, mib: med('idle', flagged(f)) })).sort((a, b) => a.mib - b.mib)[0] as { f: string; mib: number };
  const targets: Target[] = [
    { what: 'idle RSS, service, Mosquitto, 28 pins, no V8 flag', goal: `≤ ${fmt(TARGET_MIB)} MiB (1.2 × mqtt-io's ${MQTT_IO_MIB} MB, issue 16)`, value: `${fmt(med('idle', main28))} MiB`, met: med('idle', main28) <= TARGET_MIB },
    {
      what: `idle RSS, service, Mosquitto, 28 pins, ${best.f === '' ? 'no flag' : best.f} (the leanest flag set)`,
      goal: `≤ ${fmt(TARGET_MIB)} MiB`,
      value: `${fmt(best.mib)} MiB`,
      met: best.mib <= TARGET_MIB,
    },
  ];
  const phaseRows = measured.phases.map((p) => [
    p.phase,
    fmt(mib(p.rssKb)),
    fmt(p.heapUsed / MB),
    fmt(p.heapTotal / MB),
    fmt(p.external / MB),
    fmt(p.arrayBuffers / MB),
  ]);
  const idlePhase = measured.phases.find((p) => p.phase === 'idle');
  return {
    id: 'idle-memory',
    title: '4b. Memory at idle, by configuration',
    about: [
      `Resident memory (VmRSS) at idle, and the CPU time it uses idle (all threads, from /proc, over ${fmt(P.cpuMs)} ms after the RSS samples): ` +
        'each process is started, waits until it is ready (the service: its `ready` log line; ' +
        'the references: connected and subscribed), then ' +
        `${fmt(P.settleMs)} ms, then 5 samples 200 ms apart (their median is the run's value). ${P.runs} run${P.runs === 1 ? '' : 's'}, every side in every run, in rotating order, ` +
        'one process at a time, against one Mosquitto (`set_tcp_nodelay true`). The service runs with the simulated chip (`gpio.driver: sim`), its default ' +
        'log level (info) and QoS 1; 28 pins are inputs 0–13 (polled every 50 ms) and outputs 14–27, 1 pin is output 14.',
      '**References**: a bare Node process (a timer, nothing loaded); a bare MQTT.js client (`bench/lib/idle-child.js`: connected and subscribed, ' +
        "MQTT.js's defaults, and with `writeCache: false` as the service now sets it); " +
        (have.paho
          ? "python3 alone and python3 with paho-mqtt (Debian's python3-paho-mqtt) connected and subscribed, `bench/lib/idle-paho.py`: the interpreter and MQTT client flyte/mqtt-io runs on, without mqtt-io itself, **a proxy, not mqtt-io**. "
          : 'python3 and paho-mqtt were not available: no Python reference. ') +
        'mqtt-io itself is not measured: it is installed with pip from PyPI, which this machine cannot reach (only the npm registry and Debian packages); ' +
        `the target compares with the ${MQTT_IO_MIB} MB that issue 16 measured for mqtt-io 2.6 with 28 inputs on the VM.`,
      `**V8 flags**: the service on Mosquitto with 28 pins started with each flag set (\`node <flags> dist/main.js\`); after the idle samples, ` +
        `one QoS 0 requester writes output 14 closed loop for ${fmt(P.loadMs)} ms (figure 1's method: write, wait for the state, repeat): ` +
        'round trips per second and p50/p99 round trip, and RSS after the load (settled) say what each flag costs.',
    ],
    tables: [
      {
        caption: 'Idle RSS (MiB), median (min–max) over the runs; "× bare Node" is the median over the bare Node median.',
        columns: ['process', 'idle RSS MiB', '× bare Node', 'idle CPU ms/s'],
        cells: sides.filter((x) => !x.label.includes(', --')).map((x) => [x.label, s('idle', x.label), fmt(med('idle', x.label) / bare), s('idleCpu', x.label)]),
      },
      {
        caption: 'V8 flags on the service (Mosquitto, 28 pins): idle RSS, round trips (QoS 0, 1 requester), RSS after those round trips.',
        columns: ['flags', 'idle RSS MiB', 'idle CPU ms/s', 'round trips/s', 'p50 ms', 'p99 ms', 'µs CPU per trip', 'RSS after load MiB'],
        cells: FLAGS.map((f) => [
          f === '' ? '(none)' : `\`${f}\``,
          s('idle', flagged(f)),
          s('idleCpu', flagged(f)),
          s('trips', flagged(f)),
          s('p50', flagged(f)),
          s('p99', flagged(f)),
          s('tripCpu', flagged(f)),
          s('loaded', flagged(f)),
        ]),
      },
      {
        caption:
          'The service by phase (Mosquitto, 28 pins, `node --expose-gc -r bench/lib/phase-probe.js`): "loaded" is the first turn of the event loop, when every module is loaded, the config decoded and the pins opened; "idle" is after ready and the settle time. MB = 2^20 bytes.',
        columns: ['phase', 'RSS', 'heap used', 'heap total', 'external', 'array buffers'],
        cells: phaseRows,
      },
      {
        caption:
          'What loading each library costs, in a fresh `node --expose-gc` each (alone) and one after the other in the order the service loads them (increment); heap after a full GC. RSS increments of a single require are coarse (V8 grows its spaces in steps): the heap column is the precise one.',
        columns: ['library', 'alone: RSS MiB', 'alone: heap MB', 'modules', 'in order: RSS MiB', 'in order: heap MB'],
        cells: costs.alone.map((a) => {
          const o = costs.inOrder.find((x) => x.label === a.label);
          return [a.label, fmt(mib(a.rssKb)), fmt(a.heapUsed / MB), String(a.modules), o === undefined ? '–' : fmt(mib(o.rssKb)), o === undefined ? '–' : fmt(o.heapUsed / MB)];
        }),
      },
      {
        caption: `Heap snapshot of the service at idle (after a full GC): ${fmt(measured.heap.totalBytes / MB)} MB in all; by V8 node type, and the largest groups.`,
        columns: ['what', 'MB'],
        cells: [
          ...measured.heap.byType.slice(0, 6).map((t) => [`type: ${t.type}`, fmt(t.bytes / MB)]),
          ...measured.heap.top.map((t) => [`${t.what.replace(/\|/g, '\\|')} (${t.count.toLocaleString('en-US')})`, fmt(t.bytes / MB)]),
        ],
      },
    ],
    targets,
    notes: [
      idlePhase === undefined
        ? 'The phase probe wrote no idle line.'
        : `Modules loaded at idle by package: ${Object.entries(idlePhase.packages)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}.`,
      `Per-run idle values (MiB): ${sides.map((x) => `${x.label}: ${(m.idle.get(x.label) ?? []).map(fmt).join(', ')}`).join('; ')}.`,
    ],
    raw: {
      idle: Object.fromEntries(m.idle),
      loaded: Object.fromEntries(m.loaded),
      p50: Object.fromEntries(m.p50),
      p99: Object.fromEntries(m.p99),
      trips: Object.fromEntries(m.trips),
      idleCpu: Object.fromEntries(m.idleCpu),
      tripCpu: Object.fromEntries(m.tripCpu),
      phases: measured.phases,
      heap: measured.heap,
      costs,
      quick: ctx.quick,
    },
  };
};
