/**
 * Failsafe levels, as plain data: which outputs move when the broker has been
 * gone for a while, the write command that moves one, and the note and the
 * report that say so. No timers here: `streams/failsafe` is the timing.
 */
import * as errors from './errors';
import type { ErrorMessage } from './errors';
import type { Level, PinSpec } from './model';
import type { OutputCommand } from './requests';
import { writeTopic } from './topics';

/** The longest `failsafeAfter`, in ms: a day. Longer is not a failsafe any more. */
export const FAILSAFE_AFTER_MAX_MS = 86_400_000;

/** An output's failsafe: the logical level it goes to once the broker has been lost for `afterMs`. */
export interface Failsafe {
  readonly level: Level;
  readonly afterMs: number;
}

/** One output that has a failsafe level (`failsafe: low | high`; `keep` has none). */
export interface FailsafeSpec extends Failsafe {
  readonly pin: number;
}

/** The outputs with a failsafe level, by pin number. */
export const failsafesOf = (pins: ReadonlyArray<PinSpec>): ReadonlyArray<FailsafeSpec> =>
  pins
    .flatMap((p) => (p.direction === 'output' && p.failsafe !== undefined ? [{ pin: p.pin, ...p.failsafe }] : []))
    .sort((a, b) => a.pin - b.pin);

/**
 * The command that moves `spec`'s line to its failsafe level: a plain write
 * (so it cancels a pulse on the pin, and any layer on the output path sees
 * it as it sees a requested write), with no reply and its origin on it.
 */
export const failsafeWrite = (thing: string, spec: FailsafeSpec): OutputCommand => ({
  _tag: 'Write',
  topic: writeTopic(thing, spec.pin),
  pin: spec.pin,
  level: spec.level,
  origin: { _tag: 'Failsafe', afterMs: spec.afterMs },
});

/** A failsafe write was carried out: the line is at `level` (logical). Log only: it is reported when the broker is back. */
export interface FailsafeMoved {
  readonly _tag: 'FailsafeMoved';
  readonly pin: number;
  readonly level: Level;
  readonly afterMs: number;
}

/**
 * Said once the broker is back, once for each output the failsafe moved while
 * it was away: on the error topic, since no one asked for the move. `timeMs`
 * is when the move was made (ms since the epoch).
 */
export interface FailsafeReport {
  readonly _tag: 'FailsafeReport';
  readonly topic: string;
  readonly pin: number;
  readonly level: Level;
  readonly afterMs: number;
  readonly timeMs: number;
}

/** The error topic's message for a report. */
export const failsafeMessage = (r: FailsafeReport): ErrorMessage => errors.failsafeLevelSet(r.topic, r.pin, r.level, r.afterMs, new Date(r.timeMs).toISOString());
