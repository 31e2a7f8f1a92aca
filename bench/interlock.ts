/**
 * Figure 10, interlocks: what the interlock costs per command, in-process on
 * the compiled code, without MQTT or a broker (whose noise would hide it).
 */
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { alternatePasses, type Bench, type Context, SERVICE_US_PER_TRIP, shareOfTrip } from './lib/bench';
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
 * ns per switch-over through `connector` on the simulated chip. In the group
 * (`pins` is GROUP), each switch-over moves "on" to the next pin: with the
 * interlock that is one request (a write of 1; the interlock writes the
 * previous pin off first), without it the two requests a user would send by
 * hand (a write of 0 to the previous pin, then a write of 1). Outside the
 * group each pin goes 1, 0, 1, ..., one request each, with and without
 * interlocks configured. No dead time: its wait is time, not work.
 */
const requestCost = (dist: Dist, pins: ReadonlyArray<number>, n: number, passes: number) => {
  const opened = dist.openSimDriver(PINS);
  if (opened._tag === 'Left') throw new Error(opened.left);
  const driver = opened.right;
  const write = (pin: number, payload: string) => ({ topic: `gpio/t/${pin}/write`, payload, retained: false, reply: { qos: 0 as const } });
  const grouped = pins === GROUP;
  const requestsOf = (on: boolean) =>
    Array.from({ length: n }, (_, i) => {
      const pin = pins[i % pins.length] as number;
      if (!grouped) return [write(pin, Math.floor(i / pins.length) % 2 === 0 ? '1' : '0')];
      const previous = pins[(i + pins.length - 1) % pins.length] as number;
      return on ? [write(pin, '1')] : [write(previous, '0'), write(pin, '1')];
    }).flat();
  const sides = { off: requestsOf(false), on: requestsOf(true) };
  const pass = (on: boolean): number => {
    for (const p of PINS) driver.write(p.pin, 0);
    const requests = on ? sides.on : sides.off;
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
    if (answered !== requests.length) throw new Error(`interlock bench: ${answered} answers to ${requests.length} requests`);
    // With the interlock in the group, every switch-over but the first also switches one off, unasked.
    const offs = on && grouped ? n - 1 : 0;
    if (states !== requests.length + offs + PINS.length) throw new Error(`interlock bench: ${states} states for ${requests.length} requests (${offs} offs expected)`);
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
    const ratio = summarize(group.on.map((x, i) => x / (group.off[i] as number)));
    const freeAdded = summarize(free.added);
    const rows: Row[] = [
      { label: 'switch-over in a group of 3 by hand, no interlocks (write 0 to one, write 1 to the next)', unit: 'ns', summary: summarize(group.off) },
      { label: 'switch-over with the interlock (write 1 to the next; the interlock switches the other off)', unit: 'ns', summary: summarize(group.on) },
      { label: 'with the interlock / by hand (pass by pass)', unit: '×', summary: ratio },
      { label: 'write to a pin in no group, no interlocks', unit: 'ns', summary: summarize(free.off) },
      { label: 'write to a pin in no group, interlocks configured', unit: 'ns', summary: summarize(free.on) },
      { label: 'added per command to a pin in no group (with − without, pass by pass)', unit: 'ns', summary: freeAdded },
    ];
    return {
      id: this.id,
      title: '10. Interlocks',
      about: [
        'What the interlock costs per command, in-process on the compiled code, without MQTT, on the simulated chip with 8 outputs, ' +
          `\`interlocks: [[0, 1, 2]]\` and \`interlockDelay: 0\` (the dead time is waiting, not work), alternating pass by pass (${passes} passes of ${n} switch-overs or writes). ` +
          'In the group, a switch-over moves "on" from one pin to the next: with the interlock it is one request, the interlock writing the other pin off (and publishing its state) first; ' +
          'without it, the two requests a careful user sends by hand (off, then on), which give the same writes and states. The ratio is the price of the gate. ' +
          'A pin in no group passes one filter more.',
      ],
      tables: [{ rows }],
      targets: [
        {
          what: 'a switch-over with the interlock / the same writes by hand without it (in-process)',
          goal: '≤ 1.5 ×',
          value: `${fmt(ratio.median)} ×`,
          met: ratio.median <= 1.5,
        },
        {
          what: `added per command to a pin in no group / ${fmt(SERVICE_US_PER_TRIP)} µs, the service's CPU per round trip in its cheapest case (figure 1)`,
          goal: '≤ 2 %',
          value: `${fmt(shareOfTrip(freeAdded.median) * 100)} %`,
          met: shareOfTrip(freeAdded.median) <= 0.02,
        },
      ],
      raw: { group, free },
    };
  },
};
