import type { Level } from './model';
import type { Rejected } from './requests';

/**
 * A level seen on an input line: by a poll (no `at`) or by an edge (`at`: the
 * kernel's CLOCK_MONOTONIC timestamp in nanoseconds). Pins may be interleaved
 * in one stream. The one shape of a level on its way from the line to the
 * debounce and the fan-out.
 */
export interface LevelObservation {
  readonly _tag: 'Level';
  readonly pin: number;
  readonly level: Level;
  /** When the line took this level, if known. Carried, never used for timing. */
  readonly at?: bigint;
}

export const observed = (pin: number, level: Level, at?: bigint): LevelObservation =>
  at === undefined ? { _tag: 'Level', pin, level } : { _tag: 'Level', pin, level, at };

/** The kernel dropped events (its queue overflowed): some transitions are lost. For the caller to report. */
export interface EdgeGap {
  readonly _tag: 'Gap';
  /** The pin of the event that revealed the gap (the lost events may have been any line's). */
  readonly pin: number;
  /** The seqno that should have come (absent without seqnos). */
  readonly expected?: number;
  /** The seqno that came. */
  readonly got?: number;
  /** How many events were dropped; absent when unknown (no seqnos: at least one). */
  readonly missed?: number;
}

/** What watching input lines yields: levels, and what went wrong on the way, as values. */
export type Watched = LevelObservation | EdgeGap | Rejected;

export const isObservation = (w: Watched): w is LevelObservation => w._tag === 'Level';

/**
 * One edge of one input line, from its (debounced) levels: a change from the
 * pin's last level. A pin's first level is no edge. Events and counts are
 * both made from it.
 */
export interface InputEdge {
  readonly pin: number;
  readonly rising: boolean;
  /** The kernel's timestamp of the edge in nanoseconds, if known (the observation's `at`). */
  readonly timestampNs?: bigint;
}
