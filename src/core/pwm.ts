/**
 * PWM on outputs, as plain data: the bounds, the payload parser of
 * `gpio/<thing>/<pin>/pwm`, the state payload of `.../pwm/state`, and how a
 * partial command (only a duty, only a frequency) completes from the pin's
 * last setting. No timers and no lines here: the driver runs the PWM (the
 * native addon's thread, or the simulated chip's model), `streams/pwm` is the
 * per-pin behaviour.
 */
import * as E from 'fp-ts/Either';
import type { Either } from './either';

/** Software PWM's bounds, in Hz: below 1 Hz is a blink schedule, above 10 kHz the thread's jitter is a large part of a period. */
export const PWM_MIN_HZ = 1;
export const PWM_MAX_HZ = 10_000;

/** Hardware PWM's upper bound, in Hz: what the Pi's PWM blocks do cleanly (fans at 25 kHz, LED drivers). */
export const HW_PWM_MAX_HZ = 1_000_000;

/** A pin's PWM: `duty` is the fraction of each period the line is active, 0..1 (0: off, 1: on). */
export interface PwmSetting {
  readonly frequency: number;
  readonly duty: number;
}

/** A hardware PWM channel, `/sys/class/pwm/pwmchipN/pwmC`: the chip chosen by name, number, device, driver or compatible. */
export interface HardwarePwm {
  readonly chip: string;
  readonly channel: number;
}

/** An output's `pwm:` as configured: its start-up setting, and the hardware channel that runs it, if any (software PWM otherwise). */
export interface PwmSpec extends PwmSetting {
  readonly hardware?: HardwarePwm;
}

/** The highest frequency a pin's PWM takes. */
export const maxHz = (spec: PwmSpec): number => (spec.hardware === undefined ? PWM_MAX_HZ : HW_PWM_MAX_HZ);

/** What one `pwm` request asks: either part, or both; the rest stays as the pin had it. */
export interface PwmChange {
  readonly frequency?: number;
  readonly duty?: number;
}

/** Payloads are echoed for the user's benefit, but never a whole 128 KB one. */
const clip = (s: string): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** `25%` (0..100, decimals allowed): the fraction, or undefined. */
const percentage = (text: string): number | undefined => {
  const m = /^([0-9]{1,3}(?:\.[0-9]+)?)\s*%$/.exec(text.trim());
  if (m === null) return undefined;
  const v = Number(m[1]);
  return v >= 0 && v <= 100 ? v / 100 : undefined;
};

/**
 * A duty as config or a payload writes it: a number from 0 to 1, or a
 * percentage string from `"0%"` to `"100%"`. The left says what was wrong.
 */
export const parseDuty = (value: unknown): Either<string, number> => {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 && value <= 1 ? E.right(value) : E.left(`the duty must be from 0 to 1 (or a percentage like "25%"), got ${String(value)}`);
  }
  if (typeof value === 'string') {
    const p = percentage(value);
    return p === undefined ? E.left(`the duty must be from 0 to 1 or a percentage from "0%" to "100%", got ${JSON.stringify(clip(value))}`) : E.right(p);
  }
  return E.left(`the duty must be a number from 0 to 1 or a percentage like "25%", got ${value === null ? 'null' : typeof value}`);
};

/** A frequency in Hz: a number from {@link PWM_MIN_HZ} to `max` (software PWM's {@link PWM_MAX_HZ} unless told), decimals allowed. */
export const parseFrequency = (value: unknown, max: number = PWM_MAX_HZ): Either<string, number> =>
  typeof value === 'number' && Number.isFinite(value) && value >= PWM_MIN_HZ && value <= max
    ? E.right(value)
    : E.left(`the frequency must be a number of Hz from ${PWM_MIN_HZ} to ${max}, got ${typeof value === 'string' ? JSON.stringify(clip(value)) : String(value)}`);

const HOW = 'Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.';

/**
 * A `pwm` payload: a JSON object with `duty` (0..1 or `"25%"`) and/or
 * `frequency` (Hz, from 1 to `max`: the pin's bound) and no other key, or a bare
 * percentage (`25%`, `"25%"`), which sets the duty. The left is a sentence for
 * the error topic's `long_description`.
 */
export const parsePwmPayload = (payload: string, max: number = PWM_MAX_HZ): Either<string, PwmChange> => {
  const text = payload.trim();
  const bare = percentage(text) ?? (/^"[^"]*"$/.test(text) ? percentage(text.slice(1, -1)) : undefined);
  if (bare !== undefined) return E.right({ duty: bare });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left(`The PWM payload must be JSON or a percentage; got ${JSON.stringify(clip(text))}. ${HOW}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return E.left(`The PWM payload must be a JSON object or a percentage; got ${JSON.stringify(clip(text))}. ${HOW}`);
  const o = json as Record<string, unknown>;
  const unknownKeys = Object.keys(o).filter((k) => k !== 'duty' && k !== 'frequency');
  if (unknownKeys.length > 0) return E.left(`Unknown key ${JSON.stringify(clip(unknownKeys[0] ?? ''))} in the PWM payload: only "duty" and "frequency". ${HOW}`);
  if (o.duty === undefined && o.frequency === undefined) return E.left(`The PWM payload names neither "duty" nor "frequency". ${HOW}`);
  const duty = o.duty === undefined ? E.right(undefined) : parseDuty(o.duty);
  if (E.isLeft(duty)) return E.left(`In the PWM payload, ${duty.left}.`);
  const frequency = o.frequency === undefined ? E.right(undefined) : parseFrequency(o.frequency, max);
  if (E.isLeft(frequency)) return E.left(`In the PWM payload, ${frequency.left}.`);
  return E.right({ ...(frequency.right === undefined ? {} : { frequency: frequency.right }), ...(duty.right === undefined ? {} : { duty: duty.right }) });
};

/** The pin's setting after a change: what the change names, the rest as it was. */
export const applyPwm = (current: PwmSetting, change: PwmChange): PwmSetting => ({
  frequency: change.frequency ?? current.frequency,
  duty: change.duty ?? current.duty,
});

/** After `write 0/1` the PWM is off at that level: a duty of 0 or 1 at the same frequency. */
export const pwmAtLevel = (current: PwmSetting, level: 0 | 1): PwmSetting => ({ frequency: current.frequency, duty: level });

/** Whether the line is ever active: what an interlock counts as "on". */
export const pwmIsOn = (s: PwmSetting): boolean => s.duty > 0;

/** The state payload on `gpio/<thing>/<pin>/pwm/state`: `{"frequency":1000,"duty":0.25}`. */
export const formatPwm = (s: PwmSetting): string => JSON.stringify({ frequency: s.frequency, duty: s.duty });

/**
 * One period split in two, in whole nanoseconds, as the native thread times
 * it: the active part (rounded to the nearest ns) and the rest. A duty of 0
 * or 1 has no edge: the line is held at one level.
 */
export const periodNs = (s: PwmSetting): { readonly highNs: number; readonly lowNs: number } => {
  const period = Math.round(1e9 / s.frequency);
  const highNs = Math.round(period * s.duty);
  return { highNs, lowNs: period - highNs };
};
