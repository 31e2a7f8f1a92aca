import * as E from 'fp-ts/Either';
import { mergeMap, type Observable } from 'rxjs';
import type { GpioDriver } from '../core/driver';
import * as errors from '../core/errors';
import { type Output, state } from '../core/outputs';
import { stateTopic } from '../core/topics';

export interface LevelDeps {
  readonly driver: GpioDriver;
  readonly thing: string;
}

/**
 * On each trigger, reads the given pins from their lines and emits their
 * levels: the outputs at start-up, every pin after a broker reconnect.
 */
export const publishLevels = (
  trigger$: Observable<unknown>,
  pins: ReadonlyArray<number>,
  deps: LevelDeps,
): Observable<Output> =>
  trigger$.pipe(
    mergeMap(() =>
      pins.map((pin) =>
        E.fold(
          (e: { readonly message: string }): Output => ({
            _tag: 'Rejected',
            error: errors.driverFailure(stateTopic(deps.thing, pin), 'Reading', pin, e.message),
          }),
          (level: 0 | 1): Output => state(pin, level),
        )(deps.driver.read(pin)),
      ),
    ),
  );
