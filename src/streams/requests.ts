import * as E from 'fp-ts/Either';
import { connect, EMPTY, filter, map, merge, mergeMap, Observable, Subject } from 'rxjs';
import { type DriverError, type GpioDriver, isSimulated } from '../core/driver';
import * as errors from '../core/errors';
import { answeredState, type Output } from '../core/outputs';
import { PULSE_OFF, PULSE_ON, type SwitchBack } from '../core/pulse';
import type { Either } from '../core/either';
import {
  type Command,
  type Decision,
  decide,
  type FailsafeOrigin,
  type Ignored,
  isOutputCommand,
  type OutputCommand,
  type PinTable,
  type Rejected,
  type Request,
  rejected,
  VERB,
} from '../core/requests';
import type { Interlocks } from '../core/model';
import { pulseTopic } from '../core/topics';
import { interlocked } from './interlock';
import { perPin, type Stop, thenStop } from './per-pin';
import { pulsing } from './pulse';

export interface RequestDeps {
  readonly table: PinTable;
  readonly driver: GpioDriver;
  /** On its first emission every pulse in progress ends at once, with its off write (shutdown). */
  readonly stop$?: Observable<unknown>;
  /** Outputs never on together (streams/interlock); absent: every output on its own. */
  readonly interlocks?: Interlocks;
  /** The interlock's clock (streams/interlock); absent: the scheduler's. */
  readonly interlockClock?: () => number;
  /**
   * Output commands no requester sent (the failsafe's writes, streams/failsafe):
   * they join the requested ones before the per-pin behaviours, so they cancel a
   * pulse and meet every layer a requested write meets, and are not carried out after `stop$`.
   */
  readonly command$?: Observable<OutputCommand>;
}

/** The commands answered at once, by one driver call: everything but the output commands. */
type Immediate = Exclude<Command, OutputCommand>;

/**
 * Carries out a read or a simulate on the driver and answers it; a driver
 * failure becomes an error answer. Drivers answer with values and never throw.
 */
const carryOut =
  (driver: GpioDriver) =>
  (command: Immediate): Output => {
    const { topic, pin, reply } = command;
    const failed = (e: DriverError): Output => rejected(errors.driverFailure(topic, VERB[command._tag], pin, e.message), reply);
    switch (command._tag) {
      case 'Read': {
        const read = driver.read(pin);
        return E.isRight(read) ? answeredState(pin, read.right, reply) : failed(read.left);
      }
      case 'Simulate': {
        if (!isSimulated(driver)) return rejected(errors.simulationUnavailable(topic), reply);
        const set = driver.simulate(pin, command.level);
        return E.isRight(set) ? { _tag: 'Simulated', topic, pin, level: set.right } : failed(set.left);
      }
    }
  };

/**
 * Writes what an output command or a switch-back asks for and answers it: the
 * command's requester, or, for a switch-back, no one (its error names the
 * pulse topic of the pin).
 */
const writeOut =
  (driver: GpioDriver, thing: string) =>
  (w: OutputCommand | SwitchBack): Output => {
    const level = w._tag === 'Write' ? w.level : w._tag === 'Pulse' ? PULSE_ON : PULSE_OFF;
    const written = driver.write(w.pin, level);
    if (w._tag === 'SwitchBack') {
      return E.isRight(written)
        ? answeredState(w.pin, written.right, undefined)
        : rejected(errors.driverFailure(pulseTopic(thing, w.pin), 'Switching back', w.pin, written.left.message));
    }
    return E.isRight(written)
      ? answeredState(w.pin, written.right, w.reply)
      : rejected(errors.driverFailure(w.topic, w._tag === 'Write' && w.origin !== undefined ? 'Setting the failsafe level of' : VERB[w._tag], w.pin, written.left.message), w.reply);
  };

const outputCommand = (d: Decision): d is E.Right<OutputCommand> => E.isRight(d) && isOutputCommand(d.right);

const fromFailsafe = (w: OutputCommand | SwitchBack): w is OutputCommand & { readonly origin: FailsafeOrigin } => w._tag === 'Write' && w.origin !== undefined;

/** A failsafe write is answered as a write with no requester, and noted for the log when it is carried out. */
const writeFailsafe =
  (write: (w: OutputCommand) => Output) =>
  (w: OutputCommand & { readonly origin: FailsafeOrigin }): ReadonlyArray<Output> => {
    const out = write(w);
    return out._tag === 'State' ? [out, { _tag: 'FailsafeMoved', pin: w.pin, level: out.level, afterMs: w.origin.afterMs }] : [out];
  };

const durationOf = (c: OutputCommand): number | undefined => (c._tag === 'Pulse' ? c.durationMs : undefined);

/**
 * Requests in, one answer per request out: a state answer, an error answer,
 * or a log-only note; a pulse has two state answers, one at each switch.
 * Validation is the pure `decide`, and each command carries its requester's
 * reply to its answer. Reads and simulates are answered at once; writes and
 * pulses go to their pin's behaviour (streams/per-pin, streams/pulse), so a
 * write during a pulse cancels its switch-back and a new pulse restarts it.
 *
 * Shutdown leaves every pulsed line off: on `stop$`, and on unsubscribing,
 * each pulse in progress gets its off write at once, by pin number (after
 * unsubscribing, the write is made and its answer dropped). Writes and
 * pulses that come after `stop$` are not carried out.
 */
export const answerRequests = (request$: Observable<Request>, deps: RequestDeps): Observable<Output> =>
  new Observable<Output>((subscriber) => {
    const { driver, table } = deps;
    const outputs = table.outputs;
    const answerNow = carryOut(driver);
    const write = writeOut(driver, table.thing);
    // Every output command's way to its line: its pin's behaviour (a pulse's timer), then the write and its answer.
    const run = (command$: Observable<OutputCommand | Stop>): Observable<Output> =>
      command$.pipe(
        perPin(pulsing(durationOf)),
        // Failsafe writes apart: a requested write stays one map on its way to its answer.
        connect((w$) =>
          merge(
            w$.pipe(
              filter((w) => !fromFailsafe(w)),
              map(write),
            ),
            w$.pipe(filter(fromFailsafe), mergeMap(writeFailsafe(write))),
          ),
        ),
      );
    // The seam for behaviours across pins: the interlock gates each group's commands before they run.
    const carry =
      deps.interlocks === undefined
        ? run
        : interlocked({
            interlocks: deps.interlocks,
            thing: table.thing,
            levelAt: (pin) => {
              const read = driver.read(pin);
              return E.isRight(read) ? read.right : undefined;
            },
            run,
            ...(deps.interlockClock === undefined ? {} : { now: deps.interlockClock }),
          });
    // Fed once, by the teardown below: the pins' behaviours end (off) before the pipeline goes.
    const unsubscribing$ = new Subject<void>();
    // `connect`: both branches see every decision of one subscription to the requests.
    const answers$ = request$.pipe(
      map(decide(table)),
      connect((decided$) =>
        merge(
          decided$.pipe(
            filter((d): d is Either<Rejected | Ignored, Immediate> => !outputCommand(d)),
            map((d): Output => (E.isLeft(d) ? d.left : answerNow(d.right))),
          ),
          merge(
            decided$.pipe(
              filter(outputCommand),
              map((d) => d.right),
            ),
            deps.command$ ?? EMPTY,
          ).pipe(
            thenStop(merge(deps.stop$ ?? EMPTY, unsubscribing$), () => outputs),
            carry,
          ),
        ),
      ),
    );
    // Not handed `subscriber` itself: its teardown must run before this one's, so the off writes still flow.
    const inner = answers$.subscribe({
      next: (o) => subscriber.next(o),
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      unsubscribing$.next();
      inner.unsubscribe();
    };
  });
