import * as E from 'fp-ts/Either';
import { connect, distinctUntilChanged, filter, map, merge, type Observable } from 'rxjs';
import type { GpioDriver } from '../adapters/gpio/driver';
import * as errors from '../core/errors';
import { type Output, state } from '../core/outputs';
import type { Level } from '../core/model';
import { stateTopic } from '../core/topics';

export interface InputDeps {
  readonly driver: GpioDriver;
  readonly thing: string;
}

/**
 * Each tick, one bulk read of every input line; each pin's level then passes
 * its own `distinctUntilChanged`, so a state is published on the first sample
 * and on every change, never twice for the same level. A failed read is
 * reported once per run of failures, not once per tick.
 */
export const pollInputs = (tick$: Observable<unknown>, deps: InputDeps): Observable<Output> => {
  const { driver, thing } = deps;
  return tick$.pipe(
    map(() => driver.readInputs()),
    // connect: every per-pin branch subscribes before the first tick is read.
    connect((sample$) => {
      const levels$ = sample$.pipe(
        filter(E.isRight),
        map((s) => s.right),
      );
      const perPin = driver.inputs.map((pin, i) =>
        levels$.pipe(
          map((levels) => levels[i] as Level),
          distinctUntilChanged(),
          map((level) => state(pin, level)),
        ),
      );
      const failure$ = sample$.pipe(
        map((s) => (E.isLeft(s) ? s.left : undefined)),
        distinctUntilChanged((a, b) => a?.message === b?.message),
        filter((e) => e !== undefined),
        map((e): Output => {
          const pin = e.pin ?? driver.inputs[0] ?? 0;
          return { _tag: 'Rejected', error: errors.driverFailure(stateTopic(thing, pin), 'Polling', pin, e.message) };
        }),
      );
      return merge(...perPin, failure$);
    }),
  );
};
