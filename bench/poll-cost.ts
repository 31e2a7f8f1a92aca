/**
 * Figure 2, poll cost: CPU per poll tick of the service's input path (RxJS: pollLevels, inputOutputs)
 * against a bare setInterval loop doing the same reads and comparisons, each
 * in a fresh child process, on the simulated chip and on libgpiod (stand-in);
 * with --baseline, also the baseline's input path (before).
 */
import { join } from 'node:path';
import type { GpiodStandin } from '../spec/support/gpiod-standin';
import { describeBaseline } from './lib/baseline';
import { type Bench, type Context, interleave } from './lib/bench';
import { createStandin, disposeStandin, LIB, spawnNode } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { ratios, summarize, type Summary } from './lib/stats';

type Driver = 'sim' | 'libgpiod';
type Side = 'rxjs' | 'bare' | 'floor' | 'before';

interface Config {
  readonly driver: Driver;
  readonly pins: number;
  readonly periodMs: number;
  /** Input 0 changes level on every tick (simulated chip only). */
  readonly toggle: boolean;
}

interface ChildResult {
  readonly ticks: number;
  readonly cpuUs: number;
  readonly wallUs: number;
}

const label = (c: Config) => `${c.driver}, ${c.pins} pin${c.pins === 1 ? '' : 's'}, ${c.periodMs} ms${c.toggle ? ', one input toggling every tick' : ''}`;

export const pollCost: Bench = {
  id: 'poll-cost',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick
      ? { runs: 5, warmMs: 50, windowMs: (period: number) => (period >= 50 ? 1000 : 120), pins: [1, 28], periods: [1] }
      : { runs: 5, warmMs: 300, windowMs: (period: number) => (period >= 50 ? 3000 : 1500), pins: [1, 8, 28], periods: [1, 50] };
    const configs: Config[] = [];
    for (const driver of ['sim', 'libgpiod'] as const) {
      for (const periodMs of P.periods) for (const pins of P.pins) configs.push({ driver, pins, periodMs, toggle: false });
    }
    if (!ctx.quick) configs.push({ driver: 'sim', pins: 8, periodMs: 1, toggle: true });
    const before = ctx.baseline;
    const sides: Side[] = before !== undefined ? ['rxjs', 'bare', 'floor', 'before'] : ['rxjs', 'bare', 'floor'];
    const sidesInWords = before !== undefined ? 'four' : 'three';

    // One stand-in chip per side: the sides of a run poll at the same time and must not share lines.
    const standins = Object.fromEntries(await Promise.all(sides.map(async (s) => [s, await createStandin()] as const))) as Record<Side, GpiodStandin>;
    const results = new Map<string, Record<Side, ChildResult[]>>();
    try {
      for (let run = 0; run < P.runs; run++) {
        for (const c of configs) {
          // The sides of a run at once (they share the same moment's noise), started in a rotating order.
          const outcomes = await Promise.all(
            interleave(run, sides).map(async (side) => {
              const opts = { ...c, side, warmMs: P.warmMs, windowMs: P.windowMs(c.periodMs), ...(side === 'before' ? { baselineDist: before?.dist } : {}) };
              const child = spawnNode([join(LIB, 'poll-child.js'), JSON.stringify(opts)], c.driver === 'libgpiod' ? standins[side].env() : {}, `poll-child ${side}`);
              const { line } = await child.line((l) => l.startsWith('{'), 30_000);
              await child.exited;
              return [side, JSON.parse(line) as ChildResult] as const;
            }),
          );
          const entry = results.get(label(c)) ?? (Object.fromEntries(sides.map((s) => [s, [] as ChildResult[]])) as Record<Side, ChildResult[]>);
          for (const [side, r] of outcomes) entry[side].push(r);
          results.set(label(c), entry);
        }
        ctx.log(`poll cost: run ${run + 1}/${P.runs}`);
      }
    } finally {
      for (const s of sides) await disposeStandin(standins[s]);
    }

    const perTick = (rs: ChildResult[]) => rs.map((r) => r.cpuUs / r.ticks);
    const share = (rs: ChildResult[]) => summarize(rs.map((r) => (r.cpuUs / r.wallUs) * 100));
    const cells: Array<Array<string | Summary>> = [];
    const beforeCells: Array<Array<string | Summary>> = [];
    const targets: Target[] = [];
    const medians: number[] = [];
    for (const c of configs) {
      const r = results.get(label(c));
      if (r === undefined) continue;
      const ratio = summarize(ratios(perTick(r.rxjs), perTick(r.bare)));
      // What RxJS adds per tick, in µs: run by run, the two sides measured at the same moment.
      const extra = summarize(perTick(r.rxjs).map((x, i) => x - (perTick(r.bare)[i] as number)));
      cells.push([
        label(c),
        summarize(perTick(r.rxjs)),
        summarize(perTick(r.bare)),
        summarize(perTick(r.floor)),
        ratio,
        extra,
        share(r.rxjs),
        share(r.bare),
        summarize(r.rxjs.map((x) => x.ticks / (x.wallUs / 1e6))),
      ]);
      if (before !== undefined) {
        beforeCells.push([
          label(c),
          summarize(perTick(r.rxjs)),
          summarize(perTick(r.before)),
          summarize(ratios(perTick(r.rxjs), perTick(r.before))),
          summarize(perTick(r.rxjs).map((x, i) => x - (perTick(r.before)[i] as number))),
        ]);
      }
      medians.push(ratio.median);
      targets.push({ what: `${label(c)}: RxJS / bare CPU per tick`, goal: '≤ 1.3', value: fmt(ratio.median), met: ratio.median <= 1.3 });
    }
    const worstAt = medians.indexOf(Math.max(...medians));

    return {
      id: this.id,
      title: '2. Poll cost',
      about: [
        'CPU time per poll tick, each measurement in a fresh child process (`bench/lib/poll-child.js`) that builds the driver from `dist/` ' +
          '(`openSimDriver`, or `openLibgpiodDriver` over node-libgpiod and the libgpiod stand-in, loaded through `LD_LIBRARY_PATH`) for ' +
          'N input pins (0..N-1, no bias: one bulk request), then polls every period:',
        '- **RxJS** (the service\'s code for polled inputs): `inputOutputs(pollLevels(timer(0, period), { driver, thing }), { thing, settings })` from `dist/streams/poll.js` and `dist/streams/fan-out.js` ' +
          '(the levels, then debounce and the fan-out to states, events and counts), with a no-op subscriber;\n' +
          '- **bare** (the limit): `setInterval(() => { driver.readInputs(); compare each level with the previous one; build a state on a change }, period)`, no RxJS;\n' +
          '- **timer floor**: an empty `setInterval` at the same period, no read: what waking up a Node process costs on this machine.' +
          (before !== undefined
            ? `\n- **before**: as RxJS, with the input path of commit ${describeBaseline(before)} (its \`dist/\`, built on the side: \`streams/fan-out.js\`, or \`streams/watch.js\` before the split, or \`pollInputs\` of \`streams/inputs.js\` before that); ` +
              'the driver and the wrapper are still the current ones: only the input path differs. **After** is the RxJS side.'
            : ''),
        `Both polling sides read through the same wrapper that counts ticks. After a ${P.warmMs} ms warm-up, \`process.cpuUsage()\` ` +
          'is taken over a fixed wall time ' +
          `(${P.periods.map((p) => `${P.windowMs(p)} ms at ${p} ms`).join(', ')}): CPU per tick = CPU time / ticks; the CPU share is of one core. ` +
          (ctx.quick
            ? 'The inputs do not change (steady state). '
            : 'The inputs do not change (steady state), except in the last row, where input 0 is flipped through `simulate` before every read on both sides. ') +
          `In each run the ${sidesInWords} sides of a configuration run at the same time, in separate processes (${P.runs} runs).` +
          (ctx.quick ? ' Quick mode: 1 and 28 pins at 1 ms only, no toggling input.' : ''),
        '"RxJS − bare" is what RxJS adds per tick in µs (run by run). Most of a tick is the timer floor: waking a Node process up ' +
          'costs tens of µs of CPU on this machine (a VM), more at 50 ms, when caches have gone cold between ticks.',
      ],
      tables: [
        {
          caption: 'Each cell: median (min–max) over the runs. µs = CPU µs per tick.',
          columns: ['configuration', 'RxJS µs', 'bare µs', 'timer floor µs', 'RxJS / bare', 'RxJS − bare µs', 'RxJS CPU %', 'bare CPU %', 'RxJS ticks/s'],
          cells,
        },
        ...(before !== undefined
          ? [
              {
                caption:
                  `After (RxJS, the code measured here) against before (\`${before.short}\`), CPU µs per tick: median (min–max); ` +
                  'after / before and after − before run by run. Below 1 (or 0) is less CPU per tick after the change.',
                columns: ['configuration', 'after µs', 'before µs', 'after / before', 'after − before µs'],
                cells: beforeCells,
              },
            ]
          : []),
      ],
      targets,
      glance: [
        {
          what: `RxJS / bare CPU per tick (${targets.length} configurations)`,
          goal: '≤ 1.3',
          value: `worst ${targets[worstAt]?.value} (${targets[worstAt]?.what.split(':')[0]})`,
          met: targets.every((t) => t.met),
        },
      ],
      raw: Object.fromEntries(results),
    };
  },
};
