import * as E from 'fp-ts/Either';
import { EMPTY, merge, mergeMap, Observable, type Observer, Subject } from 'rxjs';
import { type DriverError, type GpioDriver, isSimulated } from '../core/driver';
import * as errors from '../core/errors';
import { answeredState, type Output, pwmState } from '../core/outputs';
import { applyPwm, pwmAtLevel, type PwmSetting } from '../core/pwm';
import { PULSE_OFF, PULSE_ON, type SwitchBack } from '../core/pulse';
import type { Either } from '../core/either';
import {
  type Command,
  decide,
  type FailsafeOrigin,
  isOutputCommand,
  type OutputCommand,
  type PinTable,
  type Request,
  rejected,
  VERB,
} from '../core/requests';
import type { Interlocks, Level } from '../core/model';
import { pulseTopic, pwmTopic } from '../core/topics';
import { interlocked } from './interlock';
import { perPin, type Stop, thenStop } from './per-pin';
import { feed } from './feed';
import { pulsing } from './pulse';
import { type PwmOff, pwmRunning } from './pwm';

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
  /** Each emission republishes every PWM output's setting (its `pwm/state`): the MQTT adapter emits after a reconnect. */
  readonly resync$?: Observable<unknown>;
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
 * Carries out what an output command, a switch-back or a PWM's end asks for,
 * and answers it: the command's requester, or, for a switch-back and a PWM's
 * end, no one (the error names the pin's pulse or pwm topic). `settings` is
 * each PWM output's setting, as it runs: a PWM command completes from it
 * (core/pwm `applyPwm`), a write sets its duty to the level written, and each
 * change is answered on the pin's `pwm/state` too.
 */
const carryOutOutput =
  (driver: GpioDriver, thing: string, settings: Map<number, PwmSetting>) =>
  (w: OutputCommand | SwitchBack | PwmOff): ReadonlyArray<Output> => {
    if (w._tag === 'Pwm' || w._tag === 'PwmOff') {
      const current = settings.get(w.pin);
      // decide lets PWM commands through for pins with `pwm:` only, and only those have a setting.
      if (current === undefined) return [];
      const wanted = w._tag === 'Pwm' ? applyPwm(current, w.change) : pwmAtLevel(current, 0);
      const set: Either<DriverError, PwmSetting> = driver.pwm === undefined ? E.left({ pin: w.pin, message: `the ${driver.kind} driver has no PWM` }) : driver.pwm(w.pin, wanted);
      if (E.isLeft(set)) {
        return w._tag === 'Pwm'
          ? [rejected(errors.driverFailure(w.topic, VERB.Pwm, w.pin, set.left.message), w.reply)]
          : [rejected(errors.driverFailure(pwmTopic(thing, w.pin), 'Switching off the PWM of', w.pin, set.left.message))];
      }
      settings.set(w.pin, set.right);
      return [pwmState(w.pin, set.right, w._tag === 'Pwm' ? w.reply : undefined)];
    }
    const level: Level = w._tag === 'Write' ? w.level : w._tag === 'Pulse' ? PULSE_ON : PULSE_OFF;
    const written = driver.write(w.pin, level);
    const answer: Output =
      w._tag === 'SwitchBack'
        ? E.isRight(written)
          ? answeredState(w.pin, written.right, undefined)
          : rejected(errors.driverFailure(pulseTopic(thing, w.pin), 'Switching back', w.pin, written.left.message))
        : E.isRight(written)
          ? answeredState(w.pin, written.right, w.reply)
          : rejected(errors.driverFailure(w.topic, w._tag === 'Write' && w.origin !== undefined ? 'Setting the failsafe level of' : VERB[w._tag], w.pin, written.left.message), w.reply);
    const current = settings.get(w.pin);
    if (current === undefined || E.isLeft(written)) return [answer];
    // A write switched the PWM off at its level: a duty of 0 or 1.
    const held = pwmAtLevel(current, level);
    settings.set(w.pin, held);
    return [answer, pwmState(w.pin, held)];
  };

const fromFailsafe = (w: OutputCommand | SwitchBack | PwmOff): w is OutputCommand & { readonly origin: FailsafeOrigin } => w._tag === 'Write' && w.origin !== undefined;

/** A failsafe write is answered as a write with no requester, and noted for the log when it is carried out. */
const writeFailsafe =
  (carryOutOne: (w: OutputCommand) => ReadonlyArray<Output>) =>
  (w: OutputCommand & { readonly origin: FailsafeOrigin }): ReadonlyArray<Output> => {
    const outs = carryOutOne(w);
    const [first] = outs;
    return first?._tag === 'State' ? [...outs, { _tag: 'FailsafeMoved', pin: w.pin, level: first.level, afterMs: w.origin.afterMs }] : outs;
  };

const durationOf = (c: OutputCommand): number | undefined => (c._tag === 'Pulse' ? c.durationMs : undefined);

/**
 * `mergeMap(f)` for an `f` that answers with an array: its items emitted at
 * once, without the inner subscription mergeMap makes for each array (each
 * command's answers take this step).
 */
const spread =
  <A, B>(f: (a: A) => ReadonlyArray<B>) =>
  (a$: Observable<A>): Observable<B> =>
    new Observable<B>((subscriber) =>
      a$.subscribe({
        next: (a) => {
          for (const b of f(a)) subscriber.next(b);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );

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
    // Each PWM output's setting as it runs, from the config's at start-up.
    const pwmPins = table.pwmSettings;
    const settings = new Map<number, PwmSetting>([...pwmPins].map(([pin, p]) => [pin, { frequency: p.frequency, duty: p.duty }]));
    // At start-up each PWM output starts at its configured setting, through its pin's behaviour like any command.
    const starts: OutputCommand[] = [...settings].map(([pin, setting]) => ({ _tag: 'Pwm', topic: pwmTopic(table.thing, pin), pin, change: setting }));
    const carryOutOne = carryOutOutput(driver, table.thing, settings);
    const failsafeWrite = writeFailsafe(carryOutOne);
    // Every output command's way to its line: its pin's behaviour (a pulse's timer, a PWM's end), then the driver call and its answers.
    const run = (command$: Observable<OutputCommand | Stop>): Observable<Output> =>
      command$.pipe(
        perPin(pwmRunning(pulsing(durationOf))),
        // One step from a pin's behaviour to the answers; a failsafe write is noted for the log as well.
        spread((w) => (fromFailsafe(w) ? failsafeWrite(w) : carryOutOne(w))),
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
    // The commands for the pins' behaviours: the start-up PWM settings at once, then the requests' output
    // commands (fed by the routing below) and the failsafe's, as they come; it ends when both have.
    // What `merge(requested$, command$).pipe(startWith(...starts))` did, in one step.
    const requested = feed<OutputCommand>();
    const command$ = new Observable<OutputCommand>((s) => {
      for (const start of starts) {
        if (s.closed) return undefined;
        s.next(start);
      }
      let open = 2;
      const each: Observer<OutputCommand> = {
        next: (c) => s.next(c),
        error: (e: unknown) => s.error(e),
        complete: () => {
          open -= 1;
          if (open === 0) s.complete();
        },
      };
      const sources = [requested.source$.subscribe(each), (deps.command$ ?? EMPTY).subscribe(each)];
      return () => sources.forEach((source) => source.unsubscribe());
    });
    const decideOne = decide(table);
    // One subscription to the requests: each decision answered at once (a read, a simulate, a rejection)
    // or handed to the command path. It does what `connect` with two filters did, with no Subject between.
    const routed$ = new Observable<Output>((routed) =>
      request$.subscribe({
        next: (request) => {
          const d = decideOne(request);
          if (E.isLeft(d)) routed.next(d.left);
          else if (isOutputCommand(d.right)) requested.next(d.right);
          else routed.next(answerNow(d.right));
        },
        error: (e: unknown) => routed.error(e),
        complete: () => {
          requested.complete();
          routed.complete();
        },
      }),
    );
    const answers$ = merge(
      // Subscribed first, so the command path listens (and its start-up PWM commands run) before any request arrives.
      command$.pipe(thenStop(merge(deps.stop$ ?? EMPTY, unsubscribing$), () => outputs), carry),
      (deps.resync$ ?? EMPTY).pipe(mergeMap(() => [...settings].map(([pin, setting]) => pwmState(pin, setting)))),
      routed$,
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
