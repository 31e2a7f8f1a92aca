import * as E from 'fp-ts/Either';
import { distinctUntilChanged, map, Observable, type OperatorFunction } from 'rxjs';
import type { DriverError, GpioDriver } from '../core/driver';
import * as errors from '../core/errors';
import type { Level } from '../core/model';
import { type Output, state } from '../core/outputs';
import { stateTopic } from '../core/topics';
import type { Either } from '../core/either';

export interface InputDeps {
  readonly driver: GpioDriver;
  readonly thing: string;
}

export type Sample = Either<DriverError, ReadonlyArray<Level>>;

/** Two samples are the same when every level is, or when both fail the same way. */
export const sameSample = (a: Sample, b: Sample): boolean => {
  if (E.isLeft(a) || E.isLeft(b)) return E.isLeft(a) && E.isLeft(b) && a.left.message === b.left.message;
  const x = a.right;
  const y = b.right;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

/**
 * From samples that differ from the one before: a state for each pin whose
 * level differs from the last level published for it (every pin on the first
 * sample), and one error when reads start failing. Levels are compared with
 * the last good sample, so a failure in between republishes nothing.
 */
const levelChanges =
  (pins: ReadonlyArray<number>, thing: string): OperatorFunction<Sample, Output> =>
  (sample$) =>
    new Observable<Output>((subscriber) => {
      let last: ReadonlyArray<Level> | undefined;
      return sample$.subscribe({
        next: (sample) => {
          if (E.isLeft(sample)) {
            const pin = sample.left.pin ?? pins[0] ?? 0;
            subscriber.next({ _tag: 'Rejected', error: errors.driverFailure(stateTopic(thing, pin), 'Polling', pin, sample.left.message) });
            return;
          }
          const levels = sample.right;
          for (let i = 0; i < pins.length; i++) {
            const level = levels[i] as Level;
            if (last === undefined || last[i] !== level) subscriber.next(state(pins[i] as number, level));
          }
          last = levels;
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });

/**
 * Each tick, one bulk read of every input line, then `distinctUntilChanged`:
 * a state is published for each pin on the first sample and on every change
 * of its level, never twice for the same level. A failed read is reported
 * once per run of the same failure, not once per tick.
 *
 * The comparison runs once over the whole sample, so the steady state (no
 * input changed, the common case) costs one read and one pass over the levels
 * per tick; per-pin work happens only on a change (docs/benchmarks.md).
 */
export const pollInputs = (tick$: Observable<unknown>, deps: InputDeps): Observable<Output> => {
  const { driver, thing } = deps;
  return tick$.pipe(
    map((): Sample => driver.readInputs()),
    distinctUntilChanged(sameSample),
    levelChanges(driver.inputs, thing),
  );
};
