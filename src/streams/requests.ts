import * as E from 'fp-ts/Either';
import { EMPTY, map, merge, mergeMap, Observable, Subject, tap } from 'rxjs';
import { type DriverError, type GpioDriver, isSimulated } from '../core/driver';
import type { Level } from '../core/model';
import * as errors from '../core/errors';
import { type Output, state, withReply } from '../core/outputs';
import type { PulseCommand, PulseWrite } from '../core/pulse';
import { type Command, decide, type Ignored, type PinTable, type Reply, type Request, type Rejected } from '../core/reducer';
import { pulseTopic } from '../core/topics';
import { pulseOutputs } from './pulse';

export interface RequestDeps {
  readonly table: PinTable;
  readonly driver: GpioDriver;
  /** On its first emission every pulse in progress ends at once, with its off write (shutdown). */
  readonly stop$?: Observable<unknown>;
}

const rejected = (error: errors.ErrorMessage): Rejected => ({ _tag: 'Rejected', error });

const verb = { Read: 'Reading', Write: 'Writing', Pulse: 'Pulsing', Simulate: 'Simulating' } as const;

/** Who asked for a write: its answer goes to them. A pulse's switch-back has no asker. */
interface Asker {
  readonly topic: string;
  readonly verb: string;
  readonly reply?: Reply;
}

/**
 * Carries out a read or a simulate on the driver; a driver failure becomes an
 * error answer. Drivers answer with values and never throw.
 */
const execute =
  (driver: GpioDriver) =>
  (command: Extract<Command, { _tag: 'Read' | 'Simulate' }>): Output => {
    const { topic, pin } = command;
    const failed = (e: DriverError): Output => rejected(errors.driverFailure(topic, verb[command._tag], pin, e.message));
    switch (command._tag) {
      case 'Read':
        return E.fold(failed, (level: Level): Output => state(pin, level))(driver.read(pin));
      case 'Simulate':
        if (!isSimulated(driver)) return rejected(errors.simulationUnavailable(topic));
        return E.fold(failed, (level: Level): Output => ({ _tag: 'Simulated', topic, pin, level }))(driver.simulate(pin, command.level));
    }
  };

/**
 * Requests in, one answer per request out: a state answer, an error answer,
 * or a log-only note; a pulse has two state answers, one at each switch.
 * Validation is the pure `decide`; writes and pulses then go through the
 * pulse unit (streams/pulse), which owns each output's switch-back timer, so
 * a write during a pulse cancels it.
 *
 * Shutdown leaves every pulsed line off: on `stop$`, and on unsubscribing,
 * each pulse in progress gets its off write at once (after unsubscribing,
 * the write is made and its answer dropped).
 */
export const answerRequests = (request$: Observable<Request>, deps: RequestDeps): Observable<Output> =>
  new Observable<Output>((subscriber) => {
    const { driver, table } = deps;
    const validate = decide(table);
    const commands = new Subject<PulseCommand>();
    let asker: Asker | undefined;
    const write = (w: PulseWrite): Output => {
      const who = asker ?? { topic: pulseTopic(table.thing, w.pin), verb: 'Switching back' };
      return withReply(
        E.fold(
          (e: DriverError): Output => rejected(errors.driverFailure(who.topic, who.verb, w.pin, e.message)),
          (level: Level): Output => state(w.pin, level),
        )(driver.write(w.pin, w.level)),
        who.reply,
      );
    };
    // The pulse unit answers a write or a pulse synchronously, while `asker` names the request.
    const ask = (command: PulseCommand, who: Asker): Output[] => {
      asker = who;
      try {
        commands.next(command);
      } finally {
        asker = undefined;
      }
      return [];
    };
    const answers$ = request$.pipe(
      mergeMap((request): Output[] => {
        const decision = validate(request);
        if (E.isLeft(decision)) return [withReply(decision.left as Rejected | Ignored, request.reply)];
        const command = decision.right;
        const who = { topic: command.topic, verb: verb[command._tag], ...(request.reply === undefined ? {} : { reply: request.reply }) };
        switch (command._tag) {
          case 'Write':
            return ask({ kind: 'write', pin: command.pin, level: command.level }, who);
          case 'Pulse':
            return ask({ kind: 'pulse', pin: command.pin, durationMs: command.durationMs }, who);
          default:
            return [withReply(execute(driver)(command), request.reply)];
        }
      }),
      // No more requests: pulses in progress end (off), then the answers complete.
      tap({ complete: () => commands.complete() }),
    );
    const stop = () => commands.next({ kind: 'stop' });
    const stopping = (deps.stop$ ?? EMPTY).subscribe(stop);
    // Not handed `subscriber` itself: its teardown must run before this one's, so the off writes still flow.
    const inner = merge(pulseOutputs(commands).pipe(map(write)), answers$).subscribe({
      next: (o) => subscriber.next(o),
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      stopping.unsubscribe();
      stop();
      inner.unsubscribe();
    };
  });
