import { connect, EMPTY, filter, merge, Observable, of, share, Subject, timer } from 'rxjs';
import { type GpioDriver, isSimulated } from '../core/driver';
import { inputSettings } from '../core/input-settings';
import { inputsOf, type Interlocks, type PinSpec } from '../core/model';
import type { Output } from '../core/outputs';
import { type OutputCommand, pinTable, type Request } from '../core/requests';
import { failsafesOf, type FailsafeReport } from '../core/failsafe';
import { failsafe } from './failsafe';
import { readAllTopic } from '../core/topics';
import { publishLevels } from './levels';
import { answerRequests } from './requests';
import { withPinSnapshots } from './snapshot';
import { edgeLevels } from './edge-levels';
import { inputOutputs } from './fan-out';
import { pollLevels } from './poll';
import { feed } from './feed';

export interface ConnectorSources {
  /** Read, write (and, on the simulated chip, simulate) requests. */
  readonly request$: Observable<Request>;
  /** Each emission republishes every pin's level: the MQTT adapter emits after a reconnect. */
  readonly resync$?: Observable<unknown>;
  /** Shutdown: its first emission ends every pulse in progress with its off write (unsubscribing does too, unanswered). */
  readonly stop$?: Observable<unknown>;
  /**
   * The broker connection: `true` up, `false` lost (repeats are ignored). An
   * output with a failsafe level goes to it once this has been `false` for its
   * `afterMs`, and is reported on the next `true` (streams/failsafe). Absent:
   * no failsafe moves anything.
   */
  readonly connected$?: Observable<boolean>;
}

export interface ConnectorDeps {
  readonly thingName: string;
  readonly pins: ReadonlyArray<PinSpec>;
  readonly pollPeriodMs: number;
  readonly driver: GpioDriver;
  readonly acceptRetainedWrites?: boolean;
  /** Answer retained requests of every kind; by default they are ignored. */
  readonly acceptRetainedRequests?: boolean;
  /** Refuse writes and simulates marked `queued`; by default they are applied. */
  readonly refuseQueuedWrites?: boolean;
  /**
   * Every pin at a glance (streams/snapshot): snapshots at start-up, on
   * change (at most one per `intervalMs`) and after each `resync$`, and
   * requests on `gpio/<thing>/read` answered with one. Absent: none, and
   * such a request is no request of this thing.
   */
  readonly snapshot?: { readonly intervalMs: number; readonly now?: () => number };
  /** Groups of outputs never on together, and their dead time (streams/interlock); absent: none. */
  readonly interlocks?: Interlocks;
  /** The interlock's clock, in ms; absent: the scheduler's (`Date.now`). The service gives `performance.now`. */
  readonly interlockClock?: () => number;
  /** The wall clock of the failsafe reports' times (streams/failsafe); `Date.now` unless a test gives its own. */
  readonly now?: () => number;
}

/**
 * The whole connector as one stream: at subscription each output's level, then
 * the inputs' first levels and changes (polled, or from the kernel's edges;
 * debounced, with events and counts where configured), the answer to every
 * request, and every pin's level (and count) again on each `resync$`; with
 * `deps.snapshot`, also every pin at a glance (streams/snapshot).
 * Unsubscribing stops polling and watching, and switches pulsed outputs off.
 * It needs no MQTT: the service feeds it from a broker, a host app from anywhere.
 */
export const connector = (sources: ConnectorSources, deps: ConnectorDeps): Observable<Output> => {
  const { driver, thingName: thing } = deps;
  const table = pinTable(thing, deps.pins, {
    acceptRetainedWrites: deps.acceptRetainedWrites ?? false,
    acceptRetainedRequests: deps.acceptRetainedRequests ?? false,
    refuseQueuedWrites: deps.refuseQueuedWrites ?? false,
    simulate: isSimulated(driver),
  });
  const all = deps.pins.map((p) => p.pin);
  // One listener on the source (a client's `connect` event) however many units follow it.
  const resync$ = (sources.resync$ ?? EMPTY).pipe(share());
  const watch = { driver, thing };
  const failsafes = failsafesOf(deps.pins);
  const failsafe$ = sources.connected$ === undefined || failsafes.length === 0 ? EMPTY : failsafe(sources.connected$, { thing, outputs: failsafes, ...(deps.now === undefined ? {} : { now: deps.now }) });
  const outputs = (request$: Observable<Request>): Observable<Output> =>
    failsafe$.pipe(
      // `connect`: the failsafe's writes join the output path, its reports the outputs, from one subscription.
      connect((moves$) => {
        const command$ = moves$.pipe(filter((m): m is OutputCommand => m._tag !== 'FailsafeReport'));
        return merge(
          publishLevels(of(null), table.outputs, { driver, thing }),
          inputOutputs(merge(driver.inputs.length > 0 ? pollLevels(timer(0, deps.pollPeriodMs), watch) : EMPTY, edgeLevels(watch)), {
            thing,
            settings: inputSettings(inputsOf(deps.pins)),
            resync$,
          }),
          answerRequests(request$, {
            table,
            driver,
            resync$,
            command$,
            ...(sources.stop$ === undefined ? {} : { stop$: sources.stop$ }),
            ...(deps.interlocks === undefined ? {} : { interlocks: deps.interlocks }),
            ...(deps.interlockClock === undefined ? {} : { interlockClock: deps.interlockClock }),
          }),
          publishLevels(resync$, all, { driver, thing }),
          moves$.pipe(filter((m): m is FailsafeReport => m._tag === 'FailsafeReport')),
        );
      }),
    );
  const snapshot = deps.snapshot;
  if (snapshot === undefined) return outputs(sources.request$);
  const readAll = readAllTopic(thing);
  // One subscription to the requests, routed as `connect` with two filters would route them: the reads of
  // all pins to the snapshot (a Subject: they are rare), every other request straight to the outputs.
  return new Observable<Output>((subscriber) => {
    const readAll$ = new Subject<Request>();
    const rest = feed<Request>();
    const pipeline = outputs(rest.source$)
      .pipe(
        withPinSnapshots(
          { readAll$, resync$, ...(sources.stop$ === undefined ? {} : { stop$: sources.stop$ }) },
          {
            pins: deps.pins,
            intervalMs: snapshot.intervalMs,
            acceptRetainedRequests: deps.acceptRetainedRequests ?? false,
            ...(snapshot.now === undefined ? {} : { now: snapshot.now }),
          },
        ),
      )
      .subscribe(subscriber);
    // Subscribed last, as a multicast connects its source: everything downstream listens before the first request.
    pipeline.add(
      sources.request$.subscribe({
        next: (r) => (r.topic === readAll ? readAll$.next(r) : rest.next(r)),
        error: (e: unknown) => {
          readAll$.error(e);
          rest.error(e);
        },
        complete: () => {
          readAll$.complete();
          rest.complete();
        },
      }),
    );
    return pipeline;
  });
};
