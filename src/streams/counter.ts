import { defer, filter, map, type Observable } from 'rxjs';
import { counts } from '../core/input-settings';
import type { CountMode } from '../core/model';
import type { InputEdge } from '../core/observation';

/** A pin's count after one counted edge. */
export interface PulseCount {
  readonly pin: number;
  readonly count: number;
  /** The counted edge's `timestampNs`, when it had one. */
  readonly timestampNs?: bigint;
}

export interface CounterDeps {
  /** The pin's counter, or `undefined` for a pin that counts nothing (its edges are ignored). */
  readonly mode: (pin: number) => CountMode | undefined;
  /**
   * The count a pin starts from, for a persistence layer that restores one;
   * a non-negative integer. Absent, every count starts at 0.
   */
  readonly start?: (pin: number) => number;
}

/**
 * A pulse counter per pin: after each edge the pin's counter counts, its new
 * count. Pins count independently.
 *
 * Counts live in the subscription, not on disk: each subscription (so each
 * start of the service) begins at `deps.start(pin)`, or at 0 when no start is
 * given. Completion, errors and unsubscription are the input's.
 */
export const countPulses = (edge$: Observable<InputEdge>, deps: CounterDeps): Observable<PulseCount> =>
  defer(() => {
    const current = new Map<number, number>();
    const startOf = (pin: number): number => deps.start?.(pin) ?? 0;
    return edge$.pipe(
      filter((edge) => counts(deps.mode(edge.pin), edge.rising)),
      map((edge): PulseCount => {
        const count = (current.get(edge.pin) ?? startOf(edge.pin)) + 1;
        current.set(edge.pin, count);
        return edge.timestampNs === undefined ? { pin: edge.pin, count } : { pin: edge.pin, count, timestampNs: edge.timestampNs };
      }),
    );
  });
