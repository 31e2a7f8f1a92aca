import fc from 'fast-check';
import { catchError, concat, defer, from, type Observable, Subject, takeUntil, tap, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { type Stop, stopOf, thenStop } from '../../src/streams/per-pin';

/**
 * thenStop is one hand-written step. It must do what its RxJS composition
 * does: the reference below, the implementation it replaced.
 */
const reference =
  <C>(stop$: Observable<unknown>, pins: () => Iterable<number>) =>
  (command$: Observable<C>): Observable<C | Stop> => {
    const stops = (): Observable<Stop> => from([...pins()].sort((a, b) => a - b).map(stopOf));
    return concat(
      command$.pipe(
        takeUntil(stop$),
        catchError((e: unknown) => concat(stops(), throwError(() => e))),
      ),
      defer(() => stops()),
    );
  };

interface Cmd {
  readonly pin: number;
  readonly id: number;
}

/** A marble of up to 10 frames: `at` ms apart, then its end ('' none, '|' complete, '#' error). */
const marbleOf = (steps: ReadonlyArray<{ at: number }>, end: '' | '|' | '#', key: (i: number) => string): string =>
  steps.map((s, i) => `${s.at === 0 ? '' : `${s.at}ms `}${key(i)} `).join('') + end;

const ends = fc.constantFrom<'' | '|' | '#'>('', '|', '#');

describe('thenStop: one step against its RxJS composition', () => {
  it('emits the same commands and Stops at the same times, and ends alike, for any commands, stop$ and pins', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 4 }), pin: fc.integer({ min: 1, max: 4 }) }), { maxLength: 10 }),
        ends,
        // stop$: nothing, or an emission at some time, or its end at once (complete: nothing stops; error: the stops and the error).
        fc.option(fc.integer({ min: 0, max: 30 })),
        fc.constantFrom<'' | '|' | '#'>('', '|', '#'),
        fc.boolean(),
        (steps, end, stopAt, stopEnd, coldStop) => {
          const values: Record<string, Cmd> = {};
          steps.forEach((s, i) => (values[String.fromCharCode(97 + i)] = { pin: s.pin, id: i }));
          const commands = marbleOf(steps, end, (i) => String.fromCharCode(97 + i));
          const stops = `${stopAt === null ? '' : `${stopAt === 0 ? '' : `${stopAt}ms `}x`}${stopEnd}`;
          const run = (op: typeof reference) => {
            let seen: unknown;
            new TestScheduler((actual) => (seen = actual)).run(({ cold, hot, expectObservable }) => {
              // The pins to stop: those commanded so far, as pulseOutputs keeps them (looked at when the stops go).
              const pins = new Set<number>();
              const stop$ = coldStop ? cold(stops) : hot(`^${stops}`);
              expectObservable(cold(commands, values).pipe(tap((c) => pins.add(c.pin)), op(stop$, () => pins)), '^ 80ms !').toBe('');
            });
            return seen;
          };
          expect(run(thenStop)).toEqual(run(reference));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lets no command through when stop$ emits at once, and looks at the pins when it stops', () => {
    const results = [thenStop, reference].map((op) => {
      const command$ = new Subject<Cmd>();
      const pins = [3];
      const seen: Array<Cmd | Stop> = [];
      let ended = false;
      // A command ready at subscription, as stop$'s emission is: stop$ comes first.
      concat(from([{ pin: 8, id: 0 }]), command$)
        .pipe(op(from([1]), () => pins))
        .subscribe({ next: (c) => seen.push(c), complete: () => (ended = true) });
      command$.next({ pin: 9, id: 1 });
      return { seen, ended, observed: command$.observed };
    });
    expect(results[0]).toEqual({ seen: [stopOf(3)], ended: true, observed: false });
    expect(results[0]).toEqual(results[1]);
  });

  it('stops at once when its subscriber goes away in the middle of the Stops', () => {
    const results = [thenStop, reference].map((op) => {
      const stop$ = new Subject<void>();
      const seen: Array<Cmd | Stop> = [];
      const sub = new Subject<Cmd>().pipe(op(stop$, () => [4, 1, 2])).subscribe((c) => {
        seen.push(c);
        if (seen.length === 2) sub.unsubscribe();
      });
      stop$.next();
      return seen;
    });
    expect(results[0]).toEqual([stopOf(1), stopOf(2)]);
    expect(results[0]).toEqual(results[1]);
  });
});
