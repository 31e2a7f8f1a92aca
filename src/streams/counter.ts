import { defer, filter, map, mergeMap, type Observable } from 'rxjs';
import type { Level } from '../core/model';
import type { LevelObservation } from './debounce';

/** Which edges a pin's counter counts: rising only, or rising and falling. */
export type CountMode = 'rising' | 'both';

/**
 * One edge of one input line. A debounced level change maps to one with
 * `rising: level === 1`; a pin's first level is not an edge and must not be
 * fed in.
 */
export interface CountableEdge {
  readonly pin: number;
  readonly rising: boolean;
  /** The kernel's timestamp of the edge in nanoseconds, if known; carried to the count. */
  readonly timestampNs?: bigint;
}

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

/** Whether a counter in `mode` counts an edge. */
export const counts = (mode: CountMode | undefined, rising: boolean): boolean =>
  mode === 'both' || (mode === 'rising' && rising);

/**
 * A pulse counter per pin: after each edge the pin's counter counts, its new
 * count. Pins count independently.
 *
 * Counts live in the subscription, not on disk: each subscription (so each
 * start of the service) begins at `deps.start(pin)`, or at 0 when no start is
 * given. Completion, errors and unsubscription are the input's.
 */
export const countPulses = (edge$: Observable<CountableEdge>, deps: CounterDeps): Observable<PulseCount> =>
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

/**
 * Level changes (from `debounceLevels`, `edgesToLevels` or a poll) to the
 * edges they are: a pin's first level is no edge and a repeat of its level
 * is none either, so neither is emitted. `at` becomes `timestampNs`.
 * It must see each pin's first level: subscribe it with the stream that
 * emits them, not late to a shared one.
 */
export const edgesOfLevels = (level$: Observable<LevelObservation>): Observable<CountableEdge> =>
  defer(() => {
    const last = new Map<number, Level>();
    return level$.pipe(
      mergeMap(({ pin, level, at }): CountableEdge[] => {
        const before = last.get(pin);
        last.set(pin, level);
        if (before === undefined || before === level) return [];
        return [at === undefined ? { pin, rising: level === 1 } : { pin, rising: level === 1, timestampNs: at }];
      }),
    );
  });
