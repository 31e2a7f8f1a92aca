import { buffer, connect, distinctUntilChanged, EMPTY, filter, map, merge, mergeMap, type Observable, switchMap, timer } from 'rxjs';
import { failsafeWrite, type FailsafeReport, type FailsafeSpec } from '../core/failsafe';
import type { OutputCommand } from '../core/requests';
import { writeTopic } from '../core/topics';

export interface FailsafeDeps {
  readonly thing: string;
  /** The outputs with a failsafe level (core/failsafe `failsafesOf`). */
  readonly outputs: ReadonlyArray<FailsafeSpec>;
  /** The wall clock, for the reports' times; `Date.now` unless a test gives its own. */
  readonly now?: () => number;
}

/** An output moved to its failsafe level, and when. */
interface Move {
  readonly output: FailsafeSpec;
  readonly timeMs: number;
}

/** The outputs by `afterMs`: one timer for each distinct delay, its outputs moved by pin number. */
const byDelay = (outputs: ReadonlyArray<FailsafeSpec>): ReadonlyArray<readonly [number, ReadonlyArray<FailsafeSpec>]> => {
  const groups = new Map<number, FailsafeSpec[]>();
  for (const o of outputs) groups.set(o.afterMs, [...(groups.get(o.afterMs) ?? []), o]);
  return [...groups].sort(([a], [b]) => a - b);
};

/**
 * The failsafe's timing: the broker connection's state in (`true` connected,
 * `false` lost; repeats are ignored), and out, for each output with a
 * failsafe level, a write of that level once the connection has been lost
 * for its `afterMs` (on the scheduler's clock, so virtual inside
 * `TestScheduler.run`), and, when the connection comes back, one
 * {@link FailsafeReport} for each write made while it was away. A connection
 * back sooner cancels the writes not yet made; nothing is restored, and a
 * connection lost again starts every timer afresh.
 *
 * The writes are plain output commands: they go where requested writes go
 * (streams/requests, `command$`), so a write cancels a pulse on the pin, and
 * whatever else runs on the output path sees them as it sees any write.
 */
export const failsafe = (connected$: Observable<boolean>, deps: FailsafeDeps): Observable<OutputCommand | FailsafeReport> => {
  const { thing } = deps;
  const now = deps.now ?? Date.now;
  const delays = byDelay(deps.outputs);
  if (delays.length === 0) return EMPTY;
  const lost = (): Observable<Move> =>
    merge(...delays.map(([ms, outputs]) => timer(ms).pipe(mergeMap(() => outputs.map((output) => ({ output, timeMs: now() }))))));
  const report = ({ output, timeMs }: Move): FailsafeReport => ({
    _tag: 'FailsafeReport',
    topic: writeTopic(thing, output.pin),
    pin: output.pin,
    level: output.level,
    afterMs: output.afterMs,
    timeMs,
  });
  return connected$.pipe(
    distinctUntilChanged(),
    // `connect`: both branches see every change, a synchronous first one included.
    connect((change$) =>
      change$.pipe(
        switchMap((up) => (up ? EMPTY : lost())),
        connect((move$) =>
          merge(
            move$.pipe(map((m) => failsafeWrite(thing, m.output))),
            // The moves of one outage, reported when it ends.
            move$.pipe(
              buffer(change$.pipe(filter((up) => up))),
              mergeMap((moves) => moves.map(report)),
            ),
          ),
        ),
      ),
    ),
  );
};
