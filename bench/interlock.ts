/**
 * Figure 10, interlocks: what the interlock costs per command, in-process on
 * the compiled code, without MQTT or a broker (whose noise would hide it).
 */
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { alternatePasses, type Bench, type Context } from './lib/bench';
import { ROOT } from './lib/procs';
import { fmt, type Row, type Section } from './lib/report';
import { summarize } from './lib/stats';

type Dist = typeof import('../src/streams/connector') & typeof import('../src/adapters/gpio/sim') & typeof import('../src/core/interlock');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dist/ is built at run time: not a module of this program
const load = (path: string) => require(join(ROOT, 'dist', ...path.split('/'))) as Partial<Dist>;

/** Eight outputs: 0-2 one interlock group, 3-7 in none. */
const PINS = Array.from({ length: 8 }, (_, pin) => ({ pin, direction: 'output', initial: 0, activeLow: false }) as const);
const GROUP = [0, 1, 2];
const FREE = [3, 4, 5, 6, 7];

/**
 * ns per write request through `connector` on the simulated chip, without
 * and with `interlocks` (no dead time: its wait is time, not work). The
 * requests go to `pins`, each a write of 1 to the next one: in the group,
 * each switches the one before off first (one more write and state).
 */
const requestCost = (dist: Dist, pins: ReadonlyArray<number>, n: number, passes: number) => {
  const opened = dist.openSimDriver(PINS);
  if (opened._tag === 'Left') throw new Error(opened.left);
  const driver = opened.right;
  const requests = Array.from({ length: n }, (_, i) => ({
    topic: `gpio/t/${pins[i % pins.length] as number}/write`,
    // Outside the group each pin goes 1, 0, 1, ...; in it, always 1 (the interlock switches the others off).
    payload: pins === GROUP || Math.floor(i / pins.length) % 2 === 0 ? '1' : '0',
    retained: false,
    reply: { qos: 0 as const },
  }));
  const pass = (on: boolean): number => {
    for (const p of PINS) driver.write(p.pin, 0);
    const request$ = new Subject<(typeof requests)[number]>();
    let answered = 0;
    let states = 0;
    const deps = { thingName: 't', pins: PINS, pollPeriodMs: 60_000, driver, ...(on ? { interlocks: { groups: [GROUP], delayMs: 0 } } : {}) };
    const subscription = dist.connector({ request$ }, deps).subscribe((o) => {
      if (o._tag === 'State') {
        states += 1;
        if (o.reply !== undefined) answered += 1;
      }
    });
    const t0 = process.hrtime.bigint();
    for (const r of requests) request$.next(r);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    subscription.unsubscribe();
    if (answered !== n) throw new Error(`interlock bench: ${answered} answers to ${n} requests`);
    // In the group with the interlock, every request after the first also switches one off.
    const offs = on && pins === GROUP ? n - 1 : 0;
    if (states !== n + offs + PINS.length) throw new Error(`interlock bench: ${states} states for ${n} requests (${offs} offs expected)`);
    return ns;
  };
  return alternatePasses(pass, passes);
};

export const interlock: Bench = {
  id: 'interlock',
  async run(ctx: Context): Promise<Section> {
    const dist = { ...load('streams/connector.js'), ...load('adapters/gpio/sim.js'), ...load('core/interlock.js') } as Dist;
    const passes = ctx.quick ? 5 : 21;
    const n = ctx.quick ? 5_000 : 50_000;
    const group = requestCost(dist, GROUP, n, passes);
    ctx.log('interlock: grouped pins done');
    const free = requestCost(dist, FREE, n, passes);
    ctx.log('interlock: free pins done');
    const added = summarize(group.added);
    const freeAdded = summarize(free.added);
    const rows: Row[] = [
      { label: 'write 1 through connector, no interlocks', unit: 'ns', summary: summarize(group.off) },
      { label: 'write 1 to a pin of a group of 3 (switches the last one off first)', unit: 'ns', summary: summarize(group.on) },
      { label: 'added per command in a group (with − without, pass by pass)', unit: 'ns', summary: added },
      { label: 'write to a pin in no group, no interlocks', unit: 'ns', summary: summarize(free.off) },
      { label: 'write to a pin in no group, interlocks configured', unit: 'ns', summary: summarize(free.on) },
      { label: 'added per command to a pin in no group', unit: 'ns', summary: freeAdded },
    ];
    return {
      id: this.id,
      title: '10. Interlocks',
      about: [
        'What the interlock costs per command, in-process on the compiled code, without MQTT: ' +
          `write requests pushed through \`connector\` on the simulated chip with 8 outputs, without and with \`interlocks: [[0, 1, 2]]\` ` +
          `(\`interlockDelay: 0\`: the dead time is waiting, not work), alternating pass by pass (${passes} passes of ${n} requests). ` +
          'In the group each request is a write of 1 to the next pin, so with the interlock each one also writes the previous pin off and publishes its state: ' +
          'the added cost is that second write and state plus the gate. A pin in no group passes one filter more.',
      ],
      tables: [{ rows }],
      targets: [
        {
          what: "added per command in a group (in-process) / 36.5 µs, the service's CPU per round trip in its cheapest case (figure 1)",
          goal: '≤ 10 %',
          value: `${fmt((added.median / 36_500) * 100)} %`,
          met: added.median / 36_500 <= 0.1,
        },
        {
          what: 'added per command to a pin in no group / 36.5 µs',
          goal: '≤ 2 %',
          value: `${fmt((freeAdded.median / 36_500) * 100)} %`,
          met: freeAdded.median / 36_500 <= 0.02,
        },
      ],
      raw: { group, free },
    };
  },
};
