import * as E from 'fp-ts/Either';
import { asyncScheduler, EMPTY, type MonoTypeOperatorFunction, Observable, type Subscription, timer } from 'rxjs';
import type { PinSpec } from '../core/model';
import type { Output, Snapshot } from '../core/outputs';
import type { Request } from '../core/requests';
import { decideReadAll, type PinsSnapshot, snapshotFold } from '../core/snapshot';

export interface SnapshotSources {
  /** The pipeline's outputs: its states and counts are folded into the snapshot. */
  readonly output$: Observable<Output>;
  /** Requests to read all pins (`gpio/<thing>/read`): each is answered at once with the snapshot. */
  readonly readAll$?: Observable<Request>;
  /** Each emission publishes the snapshot again (after a reconnect), within the rate limit. */
  readonly resync$?: Observable<unknown>;
  /** Shutdown: from its first emission on, every change is published at once (the last levels must not wait for a window that will never close). */
  readonly stop$?: Observable<unknown>;
}

export interface SnapshotDeps {
  readonly pins: ReadonlyArray<PinSpec>;
  /** At most one snapshot per this many milliseconds, answers to reads aside. */
  readonly intervalMs: number;
  /** Answer retained reads of all pins; by default they are ignored. */
  readonly acceptRetainedRequests?: boolean;
  /** The wall clock in ms; by default the scheduler's (so virtual inside `TestScheduler.run`). */
  readonly now?: () => number;
}

/**
 * Every pin's level at a glance, coalesced. The outputs are folded into one
 * snapshot (core/snapshot); it is emitted:
 *
 * - once at start-up, `intervalMs` after subscription, when every pin's
 *   first level has come (the start-up levels arrive within the first poll);
 * - then on change: a change after a quiet window is emitted at once, and
 *   opens a window of `intervalMs`; changes inside a window are emitted once,
 *   as they stand when it closes (which opens the next one). So at most one
 *   snapshot per window, and the last one always right;
 * - again on each `resync$`, within the same limit;
 * - as the answer to each read of all pins, at once, with the request's
 *   `reply` (a retained read is ignored, as a retained read of a pin is).
 *
 * A window that closes with nothing new since the last snapshot emits
 * nothing. Unsubscribing drops a change still waiting for its window.
 */
export const pinSnapshots = (sources: SnapshotSources, deps: SnapshotDeps): Observable<Output> => snapshots(sources, deps, false);

/**
 * The outputs themselves, each followed by the snapshot it brings out (if
 * any): `merge(output$, pinSnapshots({ output$, ... }))` on one subscription
 * to `output$`, in one step instead of a multicast and a merge.
 */
export const withPinSnapshots =
  (sources: Omit<SnapshotSources, 'output$'>, deps: SnapshotDeps): MonoTypeOperatorFunction<Output> =>
  (output$) =>
    snapshots({ ...sources, output$ }, deps, true);

const snapshots = (sources: SnapshotSources, deps: SnapshotDeps, passOutputs: boolean): Observable<Output> =>
  new Observable<Output>((subscriber) => {
    const { fold, initial } = snapshotFold(deps.pins);
    const now = deps.now ?? (() => asyncScheduler.now());
    const decide = decideReadAll({ acceptRetainedRequests: deps.acceptRetainedRequests ?? false });
    let current: PinsSnapshot = initial;
    /** What the last snapshot held; undefined forces the next one out (start-up, resync). */
    let sent: PinsSnapshot | undefined;
    let window: Subscription | undefined;
    let stopping = false;

    const emit = (): void => {
      sent = current;
      subscriber.next({ _tag: 'Snapshot', pins: current, timeMs: now() });
    };
    const open = (): void => {
      window = timer(deps.intervalMs).subscribe(() => {
        window = undefined;
        if (current === sent) return;
        emit();
        open();
      });
    };
    /** A change (or a resync): out now if no window is open, else when it closes. */
    const changed = (): void => {
      if (window !== undefined) return;
      emit();
      if (!stopping) open();
    };

    // The start-up window: its close publishes the first snapshot, whatever came.
    open();
    const outputs = (): Subscription =>
      sources.output$.subscribe({
        next: (o) => {
          if (passOutputs) subscriber.next(o);
          const next = fold(current, o, now);
          if (next === current) return;
          current = next;
          changed();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    const others = (): Subscription[] => [
      (sources.readAll$ ?? EMPTY).subscribe((request) => {
        const decision = decide(request);
        if (E.isLeft(decision)) return subscriber.next(decision.left);
        const answer: Snapshot = { _tag: 'Snapshot', pins: current, timeMs: now() };
        sent = current;
        subscriber.next(decision.right.reply === undefined ? answer : { ...answer, reply: decision.right.reply });
      }),
      (sources.resync$ ?? EMPTY).subscribe(() => {
        sent = undefined;
        changed();
      }),
      (sources.stop$ ?? EMPTY).subscribe(() => {
        stopping = true;
        window?.unsubscribe();
        window = undefined;
        if (current !== sent) emit();
      }),
    ];
    // Passing the outputs on, the outputs are subscribed to last, as the source a multicast connects last:
    // on a resync the snapshot still comes before the levels the pipeline republishes, and on stop$ it sees the stop first.
    const subscriptions: Subscription[] = passOutputs ? [...others(), outputs()] : [outputs(), ...others()];
    return () => {
      window?.unsubscribe();
      for (const s of subscriptions) s.unsubscribe();
    };
  });
