import * as E from 'fp-ts/Either';
import { map, type Observable } from 'rxjs';
import type { DriverError, GpioDriver } from '../adapters/gpio/driver';
import type { Level } from '../core/model';
import { isSimulated } from '../adapters/gpio/driver';
import * as errors from '../core/errors';
import { type Output, state, withReply } from '../core/outputs';
import { type Command, decide, type Ignored, type PinTable, type Request, type Rejected } from '../core/reducer';

export interface RequestDeps {
  readonly table: PinTable;
  readonly driver: GpioDriver;
}

const rejected = (error: errors.ErrorMessage): Rejected => ({ _tag: 'Rejected', error });

const verb = { Read: 'Reading', Write: 'Writing', Simulate: 'Simulating' } as const;

/**
 * Carries out a validated command on the driver; a driver failure becomes an
 * error answer. Drivers answer with values and never throw.
 */
const execute =
  (driver: GpioDriver) =>
  (command: Command): Output => {
    const { topic, pin } = command;
    const failed = (e: DriverError): Output => rejected(errors.driverFailure(topic, verb[command._tag], pin, e.message));
    switch (command._tag) {
      case 'Read':
        return E.fold(failed, (level: Level): Output => state(pin, level))(driver.read(pin));
      case 'Write':
        return E.fold(failed, (level: Level): Output => state(pin, level))(driver.write(pin, command.level));
      case 'Simulate':
        if (!isSimulated(driver)) return rejected(errors.simulationUnavailable(topic));
        return E.fold(failed, (level: Level): Output => ({ _tag: 'Simulated', topic, pin, level }))(
          driver.simulate(pin, command.level),
        );
    }
  };

/**
 * Requests in, exactly one output per request out: a state answer, an error
 * answer, or a log-only note. Validation is the pure `decide`; only `execute`
 * touches a line.
 */
export const answerRequests = (request$: Observable<Request>, deps: RequestDeps): Observable<Output> => {
  const validate = decide(deps.table);
  const answer = E.fold((rejection: Rejected | Ignored): Output => rejection, execute(deps.driver));
  return request$.pipe(map((request) => withReply(answer(validate(request)), request.reply)));
};
