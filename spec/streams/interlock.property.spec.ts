import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { map, merge, NEVER, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { GpioDriver } from '../../src/core/driver';
import type { Level, PinSpec } from '../../src/core/model';
import type { Output } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/requests';
import { answerRequests } from '../../src/streams/requests';
import { interlockViolations, type LineSet } from '../support/interlock-trace';

// Whatever the commands and their timing, no two pins of a group are ever on
// together and the dead time is kept, on the simulated chip in virtual time.
const GROUP = [20, 21, 22];
const out = (pin: number, initial: 0 | 1 | 'keep'): PinSpec => ({ pin, direction: 'output', initial, activeLow: false });
const pins: PinSpec[] = [out(8, 0), out(20, 0), out(21, 0), out(22, 0)];
const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });

interface Cmd {
  readonly gap: number;
  readonly pin: number;
  readonly kind: 'write0' | 'write1' | 'pulse';
  readonly ms: number;
}
const cmd: fc.Arbitrary<Cmd> = fc.record({
  gap: fc.integer({ min: 0, max: 15 }),
  pin: fc.constantFrom(20, 21, 22, 8),
  kind: fc.constantFrom('write0', 'write1', 'pulse'),
  ms: fc.integer({ min: 1, max: 40 }),
});
const request = (c: Cmd): Request =>
  c.kind === 'pulse'
    ? { topic: `gpio/t/${c.pin}/pulse`, payload: String(c.ms), retained: false }
    : { topic: `gpio/t/${c.pin}/write`, payload: c.kind === 'write1' ? '1' : '0', retained: false };

/** Runs the commands at their times; every level the driver set, with its virtual time, and every answer. */
const run = (cmds: ReadonlyArray<Cmd>, delayMs: number, start: ReadonlyMap<number, Level> = new Map()) => {
  const sets: LineSet[] = [];
  const answers: Output[] = [];
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const specs = pins.map((p) => (start.has(p.pin) ? out(p.pin, start.get(p.pin) as Level) : p));
  scheduler.run(() => {
    const sim = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(specs));
    // A recorder around the real simulated driver: each write, when it happened.
    const driver: GpioDriver = {
      ...sim,
      write: (pin, level) => {
        const r = sim.write(pin, level);
        if (E.isRight(r)) sets.push({ t: scheduler.now(), pin, level: r.right });
        return r;
      },
    };
    let at = 0;
    // Never complete: the end of the requests is a shutdown, which ends what waits (streams/per-pin thenStop).
    const request$ = merge(NEVER, ...cmds.map((c) => timer((at += c.gap)).pipe(map(() => request(c)))));
    answerRequests(request$, { table, driver, interlocks: { groups: [GROUP], delayMs } }).subscribe((o) => answers.push(o));
  });
  return { sets, answers };
};

describe('interlocks: properties', () => {
  it('never two of a group on at once, and the dead time kept, whatever the writes and pulses', () => {
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 12 }), (cmds, delayMs) => {
        const { sets } = run(cmds, delayMs);
        expect(interlockViolations(sets, [GROUP], delayMs)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('the last command wins: a write is carried out after the dead time, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), fc.constantFrom(...GROUP), fc.constantFrom<0 | 1>(0, 1), fc.integer({ min: 0, max: 12 }), (cmds, pin, level, delayMs) => {
        const last: Cmd = { gap: 1, pin, kind: level === 1 ? 'write1' : 'write0', ms: 1 };
        const { sets } = run([...cmds, last], delayMs);
        const final = new Map(sets.map((s) => [s.pin, s.level]));
        expect(final.get(pin)).toBe(level);
        if (level === 1) expect(GROUP.filter((p) => p !== pin && final.get(p) === 1)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('every write and pulse request is answered: a state, or an interlock error when a later one replaced it', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (cmds, delayMs) => {
        const { answers } = run(cmds, delayMs);
        const replaced = answers.filter((o) => o._tag === 'Rejected' && o.error.error === 'Interlock').length;
        const firstStates = answers.filter((o) => o._tag === 'State').length;
        // Each request has one first answer; pulses may add their switch-back's state.
        expect(replaced + firstStates).toBeGreaterThanOrEqual(cmds.length);
        expect(answers.every((o) => o._tag === 'State' || (o._tag === 'Rejected' && o.error.error === 'Interlock'))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('the check itself finds an overlap and a short dead time (it can fail)', () => {
    const overlap: LineSet[] = [
      { t: 0, pin: 20, level: 1 },
      { t: 5, pin: 21, level: 1 },
      { t: 6, pin: 20, level: 0 },
    ];
    expect(interlockViolations(overlap, [GROUP], 0)).toEqual([{ kind: 'overlap', t: 5, pins: [21, 20] }]);
    const tooSoon: LineSet[] = [
      { t: 0, pin: 20, level: 1 },
      { t: 5, pin: 20, level: 0 },
      { t: 9, pin: 21, level: 1 },
    ];
    expect(interlockViolations(tooSoon, [GROUP], 10)).toEqual([{ kind: 'dead-time', t: 9, pins: [21, 20], gapMs: 4 }]);
    // And the same commands without an interlock do overlap on the chip.
    const cmds: Cmd[] = [
      { gap: 1, pin: 20, kind: 'write1', ms: 1 },
      { gap: 1, pin: 21, kind: 'pulse', ms: 5 },
    ];
    const sets: LineSet[] = [];
    new TestScheduler(() => undefined).run(() => {
      const sim = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
      const driver: GpioDriver = { ...sim, write: (pin, level) => (sets.push({ t: 0, pin, level }), sim.write(pin, level)) };
      let at = 0;
      answerRequests(merge(...cmds.map((c) => timer((at += c.gap)).pipe(map(() => request(c))))), { table, driver }).subscribe();
    });
    expect(interlockViolations(sets, [GROUP], 0).map((v) => v.kind)).toContain('overlap');
  });
});
