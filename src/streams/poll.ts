import * as E from 'fp-ts/Either';
import { defer, distinctUntilChanged, map, mergeMap, type Observable } from 'rxjs';
import type { DriverError, GpioDriver } from '../core/driver';
import type { Either } from '../core/either';
import * as errors from '../core/errors';
import type { Level } from '../core/model';
import { observed, type Watched } from '../core/observation';
import { stateTopic } from '../core/topics';

/** What a unit that watches input lines needs: the driver, and the thing for its error topics. */
export interface WatchDeps {
  readonly driver: GpioDriver;
  readonly thing: string;
}

/** One bulk read of every polled input. */
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
 * Each tick, one bulk read of every polled input, then `distinctUntilChanged`
 * over the whole sample: a level for each pin on the first sample, and for
 * each pin whose level changed since the last good sample (a failure in
 * between republishes nothing). A failed read is one rejection per run of the
 * same failure, not one per tick.
 *
 * The comparison runs once over the whole sample, so the steady state (no
 * input changed, the common case) costs one read and one pass over the levels
 * per tick; per-pin work happens only on a change (docs/benchmarks.md, figure 2).
 */
export const pollLevels = (tick$: Observable<unknown>, deps: WatchDeps): Observable<Watched> =>
  defer(() => {
    const { driver, thing } = deps;
    const pins = driver.inputs;
    let last: ReadonlyArray<Level> | undefined;
    return tick$.pipe(
      map((): Sample => driver.readInputs()),
      distinctUntilChanged(sameSample),
      mergeMap((sample): Watched[] => {
        if (E.isLeft(sample)) {
          const pin = sample.left.pin ?? pins[0] ?? 0;
          return [{ _tag: 'Rejected', error: errors.driverFailure(stateTopic(thing, pin), 'Polling', pin, sample.left.message) }];
        }
        const levels = sample.right;
        const out: Watched[] = [];
        for (let i = 0; i < pins.length; i++) {
          const level = levels[i] as Level;
          if (last === undefined || last[i] !== level) out.push(observed(pins[i] as number, level));
        }
        last = levels;
        return out;
      }),
    );
  });
