/**
 * Figure 9, the snapshot on `gpio/<thing>/pins`: what it costs per change,
 * in-process on the compiled code, without MQTT or a broker (whose noise
 * would hide it).
 */
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { alternatePasses, type Bench, type Context, SERVICE_US_PER_TRIP, shareOfTrip } from './lib/bench';
import { ROOT } from './lib/procs';
import { fmt, type Row, type Section } from './lib/report';
import { summarize } from './lib/stats';

type Dist = typeof import('../src/streams/connector') &
  typeof import('../src/adapters/gpio/sim') &
  typeof import('../src/core/snapshot');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dist/ is built at run time: not a module of this program
const load = (path: string) => require(join(ROOT, 'dist', ...path.split('/'))) as Partial<Dist>;

/** The Pi header: 28 pins, 14 outputs and 14 inputs (2 of them counting). */
const PINS = Array.from({ length: 28 }, (_, pin) =>
  pin < 14
    ? ({ pin, direction: 'output', initial: 0, activeLow: false } as const)
    : ({ pin, direction: 'input', bias: 'as-is', activeLow: false, ...(pin < 16 ? { count: 'rising' as const } : {}) } as const),
);
const OUTPUTS = PINS.filter((p) => p.direction === 'output').map((p) => p.pin);

/**
 * ns per write request through `connector` on the simulated chip, snapshot
 * off and on (as main wires it: 250 ms window), every write a change (so
 * every one folded into the snapshot). Off and on alternate, pass by pass.
 */
const requestCost = (dist: Dist, n: number, passes: number) => {
  const opened = dist.openSimDriver(PINS);
  if (opened._tag === 'Left') throw new Error(opened.left);
  const driver = opened.right;
  const pass = (on: boolean): number => {
    const requests = Array.from({ length: n }, (_, i) => {
      const pin = OUTPUTS[i % OUTPUTS.length] as number;
      // Each pin goes 1, 0, 1, ...: every write changes its level.
      return { topic: Buffer.from(`gpio/t/${pin}/write`).toString('utf8'), payload: Math.floor(i / OUTPUTS.length) % 2 === 0 ? '1' : '0', retained: false, reply: { qos: 0 as const } };
    });
    for (const pin of OUTPUTS) driver.write(pin, 0);
    const request$ = new Subject<(typeof requests)[number]>();
    let answered = 0;
    let snapshots = 0;
    const deps = { thingName: 't', pins: PINS, pollPeriodMs: 60_000, driver, ...(on ? { snapshot: { intervalMs: 250 } } : {}) };
    const subscription = dist.connector({ request$ }, deps).subscribe((o) => {
      if (o._tag === 'State' && o.reply !== undefined) answered += 1;
      if (o._tag === 'Snapshot') snapshots += 1;
    });
    const t0 = process.hrtime.bigint();
    for (const r of requests) request$.next(r);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    subscription.unsubscribe();
    if (answered !== n) throw new Error(`snapshot bench: ${answered} answers to ${n} requests`);
    if (on && snapshots > Math.ceil(ns * n / 250e6) + 2) throw new Error(`snapshot bench: ${snapshots} snapshots in one pass`);
    return ns;
  };
  return alternatePasses(pass, passes);
};

/** ns per call of `f`, `n` calls a pass. */
const perCall = (n: number, passes: number, f: (i: number) => unknown): number[] => {
  const out: number[] = [];
  let sink: unknown;
  for (let p = 0; p <= passes; p++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink = f(i);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (p > 0) out.push(ns); // the first pass warms the JIT
  }
  if (sink === undefined) throw new Error('nothing computed');
  return out;
};

export const snapshot: Bench = {
  id: 'snapshot',
  async run(ctx: Context): Promise<Section> {
    const dist = { ...load('streams/connector.js'), ...load('adapters/gpio/sim.js'), ...load('core/snapshot.js') } as Dist;
    const passes = ctx.quick ? 5 : 21;
    const req = requestCost(dist, ctx.quick ? 5_000 : 50_000, passes);
    ctx.log('snapshot: request path done');
    const { initial, fold } = dist.snapshotFold(PINS);
    let s = initial;
    for (const p of PINS) s = fold(s, { _tag: 'State', pin: p.pin, level: 0 }, () => 0);
    const full = s;
    let level: 0 | 1 = 0;
    const folds = perCall(ctx.quick ? 100_000 : 1_000_000, passes, (i) => {
      if (i % 28 === 0) level = level === 0 ? 1 : 0;
      s = fold(s, { _tag: 'State', pin: i % 28, level }, () => i);
      return s;
    });
    const bytes = Buffer.byteLength(dist.formatSnapshot(full, Date.now()));
    const formats = perCall(ctx.quick ? 10_000 : 100_000, passes, (i) => dist.formatSnapshot(full, i));
    ctx.log('snapshot: fold and format done');
    const added = summarize(req.added);
    const format = summarize(formats);
    const rows: Row[] = [
      { label: 'write request through connector, snapshot off', unit: 'ns', summary: summarize(req.off) },
      { label: 'write request through connector, snapshot on', unit: 'ns', summary: summarize(req.on) },
      { label: 'added by the snapshot per request (on − off, pass by pass)', unit: 'ns', summary: added },
      { label: 'fold of one level change (28 pins)', unit: 'ns', summary: summarize(folds) },
      { label: `JSON of one snapshot (28 pins, ${bytes} bytes)`, unit: 'ns', summary: format },
    ];
    return {
      id: this.id,
      title: '9. Snapshot',
      about: [
        'What the snapshot on `gpio/<thing>/pins` costs, in-process on the compiled code, without MQTT: ' +
          `write requests (each one a change of its output's level, so each folded into the snapshot) pushed through \`connector\` on the simulated chip with 28 pins, ` +
          `snapshot off and on (a 250 ms window, as the service has it), alternating pass by pass (${passes} passes); ` +
          'then the fold of one level change alone, and the JSON of one snapshot of 28 pins alone. ' +
          'A snapshot is built and published at most four times a second, so its JSON costs at most four times its row per second; ' +
          'the rest is paid per change.',
      ],
      tables: [{ rows }],
      targets: [
        {
          what: `added per change (in-process) / ${fmt(SERVICE_US_PER_TRIP)} µs, the service's CPU per round trip in its cheapest case (figure 1)`,
          goal: '≤ 2 %',
          value: `${fmt(shareOfTrip(added.median) * 100)} %`,
          met: shareOfTrip(added.median) <= 0.02,
        },
      ],
      raw: { request: req, folds, formats, bytes },
    };
  },
};
