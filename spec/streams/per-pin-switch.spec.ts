import fc from 'fast-check';
import { filter, from, groupBy, isObservable, mergeMap, type Observable, Subject, switchMap, take, takeWhile, timer, map, concat, of, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { type Behaviour, perPin, type Stop, stopOf } from '../../src/streams/per-pin';

/**
 * perPin runs behaviours with its own switch (arrays emitted at once, with no
 * inner subscription). It must do what redux-observable's recipe does with
 * RxJS's switchMap, the arrays turned into observables: the reference below.
 */
const reference =
  <C extends { readonly pin: number }, O>(behaviour: Behaviour<C, O>) =>
  (command$: Observable<C | Stop>): Observable<O> =>
    command$.pipe(
      groupBy((c) => c.pin),
      mergeMap((pin$) => {
        const stopped$ = pin$.pipe(filter((c): c is Stop => (c as Partial<Stop>)._tag === 'Stop'));
        return pin$.pipe(
          takeWhile((c): c is C => (c as Partial<Stop>)._tag !== 'Stop'),
          switchMap((c) => {
            const out = behaviour(c, stopped$);
            return isObservable(out) ? out : from(out);
          }),
        );
      }),
    );

interface Cmd {
  readonly pin: number;
  readonly id: number;
  /** A timed behaviour (a pulse's shape): `ms` later one more item, or at once on the pin's stop. Absent: an array of `n` items. */
  readonly ms?: number;
  /** A behaviour held until its pin's stop (a PWM's shape): one item then, or none if the commands end first. */
  readonly held?: true;
  readonly n: number;
}

/** Arrays for untimed commands (0 to 3 items), a pulse-like observable for timed ones. */
const behaviour: Behaviour<Cmd, string> = (c, stopped$) =>
  c.held === true
    ? concat(of(`${c.id}.held`), stopped$.pipe(take(1), map(() => `${c.id}.released`)))
    : c.ms === undefined
      ? Array.from({ length: c.n }, (_, i) => `${c.id}.${i}`)
      : concat(of(`${c.id}.on`), timer(c.ms).pipe(takeUntil(stopped$), map(() => `${c.id}.late`)), of(`${c.id}.off`));

const step = fc.record({
  at: fc.integer({ min: 0, max: 5 }),
  pin: fc.integer({ min: 1, max: 3 }),
  stop: fc.boolean(),
  timed: fc.boolean(),
  held: fc.integer({ min: 0, max: 3 }),
  ms: fc.integer({ min: 1, max: 8 }),
  n: fc.integer({ min: 0, max: 3 }),
});

describe('perPin: its switch against RxJS switchMap', () => {
  it('emits the same items at the same times, and completes (or not) alike, for any commands and stops', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 14 }), fc.boolean(), (steps, completes) => {
        // Marble frames: each step `at` ms after the last; stops are rarer than commands.
        const values: Record<string, Cmd | Stop> = {};
        let marble = '';
        steps.forEach((s, i) => {
          const key = String.fromCharCode(97 + i);
          values[key] = s.stop && s.at % 2 === 0 ? stopOf(s.pin) : { pin: s.pin, id: i, n: s.n, ...(s.held === 0 ? { held: true } : s.timed ? { ms: s.ms } : {}) };
          marble += `${s.at === 0 ? '' : `${s.at}ms `}${key} `;
        });
        marble += completes ? '|' : '';
        const run = (op: (c$: Observable<Cmd | Stop>) => Observable<string>) => {
          let seen: unknown;
          new TestScheduler((actual) => (seen = actual)).run(({ cold, expectObservable }) => {
            expectObservable(cold(marble, values).pipe(op), '^ 80ms !').toBe('');
          });
          return seen;
        };
        expect(run(perPin(behaviour))).toEqual(run(reference(behaviour)));
      }),
      { numRuns: 400 },
    );
  });

  it('cuts off the rest of an array when the same pin gets a command fed back while it is emitted, as switchMap would', () => {
    const results = [perPin, reference].map((op) => {
      const command$ = new Subject<Cmd>();
      const seen: string[] = [];
      op(behaviour)(command$).subscribe((o) => {
        seen.push(o);
        // The first item of command 1 makes the host send command 2 to the same pin at once.
        if (o === '1.0') command$.next({ pin: 4, id: 2, n: 2 });
      });
      command$.next({ pin: 4, id: 1, n: 3 });
      return seen;
    });
    expect(results[0]).toEqual(['1.0', '2.0', '2.1']);
    expect(results[0]).toEqual(results[1]);
  });

  it('completes with its commands when no behaviour runs, and only when a running one ends', () => {
    const completion = (ms: number | undefined) => {
      const command$ = new Subject<Cmd>();
      let completed = false;
      let atOnce = false;
      new TestScheduler(() => undefined).run(() => {
        perPin(behaviour)(command$).subscribe({ complete: () => (completed = true) });
        command$.next({ pin: 1, id: 1, n: 1, ...(ms === undefined ? {} : { ms }) });
        command$.complete();
        atOnce = completed;
      });
      // TestScheduler.run has flushed the timers by now.
      return { atOnce, inTheEnd: completed };
    };
    expect(completion(undefined)).toEqual({ atOnce: true, inTheEnd: true });
    expect(completion(5)).toEqual({ atOnce: false, inTheEnd: true });
  });
});
