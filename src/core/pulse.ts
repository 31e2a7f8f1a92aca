/**
 * Timed pulses on outputs, as plain data: the duration payload's parser and
 * what each command means for the lines. No timers here: `streams/pulse` is
 * the pulse behaviour, run per pin by `streams/per-pin`.
 */
import * as E from 'fp-ts/Either';
import type { Level } from './model';
import type { Either } from './either';

/** The shortest pulse, in milliseconds. */
export const PULSE_MIN_MS = 1;
/** The longest pulse, in milliseconds: one hour. Longer is a schedule, not a pulse. */
export const PULSE_MAX_MS = 3_600_000;

/** The level a pulse switches its line to now: its active level (the line's level follows `activeLow`). */
export const PULSE_ON: Level = 1;
/** The level a switch-back writes. */
export const PULSE_OFF: Level = 0;

/** Payloads are echoed for the user's benefit, but never a whole 128 KB one. */
const clip = (s: string): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/**
 * A pulse payload: whole milliseconds from {@link PULSE_MIN_MS} to
 * {@link PULSE_MAX_MS}, as an integer (`500`) or a JSON string (`"500"`),
 * with surrounding white space allowed. Digits only, as for pins: `1e3`,
 * `0x10`, `2.5` and `-1` are refused. The left is a sentence for the error
 * topic's `long_description`.
 */
export const pulseDuration = (payload: string): Either<string, number> => {
  const text = payload.trim();
  const digits = /^"([0-9]+)"$/.exec(text)?.[1] ?? (/^[0-9]+$/.test(text) ? text : undefined);
  const ms = digits === undefined ? Number.NaN : Number(digits);
  return ms >= PULSE_MIN_MS && ms <= PULSE_MAX_MS
    ? E.right(ms)
    : E.left(
        `The pulse duration must be whole milliseconds from ${PULSE_MIN_MS} to ${PULSE_MAX_MS}, as an integer or a string ("500"); got ${JSON.stringify(clip(text))}.`,
      );
};

/** What the pulse unit is asked to do, in order. `durationMs` is trusted: decode it with {@link pulseDuration}. */
export type PulseCommand =
  | { readonly kind: 'pulse'; readonly pin: number; readonly durationMs: number }
  | { readonly kind: 'write'; readonly pin: number; readonly level: Level }
  /** Shutdown: every pulse in progress ends now, and nothing comes after. */
  | { readonly kind: 'stop' };

/** A write to perform on an output line, and why. */
export interface PulseWrite {
  readonly pin: number;
  readonly level: Level;
  readonly cause: 'pulse-on' | 'pulse-off' | 'write';
}

/** What one command does: switch-backs to cancel, writes to perform now, a switch-back to schedule. */
export interface PulsePlan {
  /** Pins whose pending switch-back is cancelled; done before the writes. */
  readonly cancel: ReadonlyArray<number>;
  readonly writes: ReadonlyArray<PulseWrite>;
  /** A switch-back to 0 of `pin` after `durationMs`. */
  readonly schedule?: { readonly pin: number; readonly durationMs: number };
  /** Nothing follows: the unit completes. */
  readonly done: boolean;
}

export const pulseOff = (pin: number): PulseWrite => ({ pin, level: PULSE_OFF, cause: 'pulse-off' });

/** A pulse's end: its line back off. The pulse behaviour makes it; no request asked for it, so no one is answered. */
export interface SwitchBack {
  readonly _tag: 'SwitchBack';
  readonly pin: number;
}

export const switchBack = (pin: number): SwitchBack => ({ _tag: 'SwitchBack', pin });

/**
 * The plan for one command, given the pins with a pulse in progress: the
 * rules the pulse behaviour (streams/pulse) follows pin by pin, as one plan
 * for all pins.
 *
 * - A pulse writes 1 at once and schedules the 0; during a pulse on the same
 *   pin it restarts the timer and writes 1 again, so every pulse request has
 *   its own write (and its own state answer).
 * - A write cancels the pin's pending switch-back: the last request wins.
 * - A stop ends every pulse in progress with its off write, by pin number.
 */
export const planPulse = (active: ReadonlySet<number>, command: PulseCommand): PulsePlan => {
  switch (command.kind) {
    case 'pulse':
      return {
        cancel: active.has(command.pin) ? [command.pin] : [],
        writes: [{ pin: command.pin, level: PULSE_ON, cause: 'pulse-on' }],
        schedule: { pin: command.pin, durationMs: command.durationMs },
        done: false,
      };
    case 'write':
      return {
        cancel: active.has(command.pin) ? [command.pin] : [],
        writes: [{ pin: command.pin, level: command.level, cause: 'write' }],
        done: false,
      };
    case 'stop': {
      const pins = [...active].sort((a, b) => a - b);
      return { cancel: pins, writes: pins.map(pulseOff), done: true };
    }
  }
};
