/**
 * Interlocks, as plain data: groups of outputs of which at most one is on
 * (its active level) at any instant, and a dead time between one going off
 * and another going on. The pure decisions live here; streams/interlock
 * carries them out in time.
 */
import * as errors from './errors';
import type { ErrorMessage } from './errors';
import type { Interlocks, Level } from './model';
import type { OutputCommand } from './requests';

export type { Interlocks } from './model';

/** `interlockDelay` when the config has none: as ESPHome's `interlock_wait_time`, no dead time. */
export const DEFAULT_INTERLOCK_DELAY_MS = 0;

/**
 * Whether a command switches its pin on now: the one question the interlock
 * asks of a command. Exhaustive on purpose: a new kind of output command
 * must say here whether it switches on (a `Pwm` does with a duty above 0).
 * A pulse's switch-back is an off and never needs asking.
 */
export const switchesOn = (c: OutputCommand): boolean => {
  switch (c._tag) {
    case 'Write':
      return c.level === 1;
    case 'Pulse':
      return true;
    case 'Pwm':
      // A duty above 0 has the line on for part of every period: on. A frequency alone changes nothing of that.
      return c.change.duty !== undefined && c.change.duty > 0;
  }
};

/**
 * What the interlock knows of one group: which of its pins are on (by pin
 * number), and when each last went off (ms, the scheduler's clock). Arrays:
 * a group is a handful of pins, and this is made anew on every change.
 */
export interface GroupState {
  readonly on: ReadonlyArray<number>;
  readonly offAt: ReadonlyArray<readonly [pin: number, atMs: number]>;
}

const byNumber = (a: number, b: number): number => a - b;

export const groupState = (on: Iterable<number> = []): GroupState => ({ on: [...new Set(on)].sort(byNumber), offAt: [] });

/** Whether a line of the group written (or read) at `level` changes what the group knows: only then is {@link observe} needed. */
export const changes = (state: GroupState, pin: number, level: Level): boolean => (level === 1) !== state.on.includes(pin);

/**
 * The group after a line of it was written (or read) at `level` at `now`:
 * an on-to-off change starts that pin's dead time; anything else only sets
 * whether it is on.
 */
export const observe = (state: GroupState, pin: number, level: Level, now: number): GroupState => {
  if (!changes(state, pin, level)) return state;
  if (level === 1) return { on: [...state.on, pin].sort(byNumber), offAt: state.offAt };
  return { on: state.on.filter((p) => p !== pin), offAt: [...state.offAt.filter(([p]) => p !== pin), [pin, now]] };
};

/** The steps of one command for a pin of a group. */
export interface InterlockPlan {
  /** Pins of the group to switch off first, at once, by pin number. */
  readonly offs: ReadonlyArray<number>;
  /** Then wait this long (0: carry the command out at once, after the offs). */
  readonly waitMs: number;
}

const NOTHING: InterlockPlan = { offs: [], waitMs: 0 };

/**
 * What a command for `pin` must do first: an off (or a command that does not
 * switch on) nothing; an on switches every other pin of the group that is on
 * off, then waits until each other pin has been off `delayMs` (counting the
 * offs it makes now). The pin's own last off needs no wait: the dead time is
 * between two pins, not on one.
 */
export const planInterlock = (state: GroupState, pin: number, on: boolean, delayMs: number, now: number): InterlockPlan => {
  if (!on) return NOTHING;
  const offs = blockers(state, pin);
  let until = offs.length > 0 ? now + delayMs : now;
  for (const [p, at] of state.offAt) if (p !== pin && at + delayMs > until) until = at + delayMs;
  return offs.length === 0 && until <= now ? NOTHING : { offs, waitMs: Math.max(0, until - now) };
};

/** The pins of the group other than `pin` that are still on: none, or the on must not happen (their off failed). */
export const blockers = (state: GroupState, pin: number): ReadonlyArray<number> =>
  state.on.length === 0 || (state.on.length === 1 && state.on[0] === pin) ? [] : state.on.filter((p) => p !== pin);

/** The pins to switch off at start-up: every pin of a group in which more than one is on (kept levels), none otherwise. */
export const startupOffs = (state: GroupState): ReadonlyArray<number> => (state.on.length > 1 ? state.on : []);

/** Index from pin to its group's number. */
export const groupOfPin = (interlocks: Interlocks): ReadonlyMap<number, number> =>
  new Map(interlocks.groups.flatMap((g, i) => g.map((p): [number, number] => [p, i])));

const pins = (ps: ReadonlyArray<number>): string => ps.join(', ');

/** The error answer of a command that another command for its group replaced while it waited out the dead time. */
export const supersededMessage = (topic: string, pin: number, group: ReadonlyArray<number>): ErrorMessage =>
  errors.interlock(topic, `GPIO ${pin} was not switched: a later command for its interlock group (${pins(group)}) replaced it during the interlock delay.`);

/** The error answer of an on that did not happen because other pins of its group could not be switched off. */
export const blockedMessage = (topic: string, pin: number, on: ReadonlyArray<number>): ErrorMessage =>
  errors.interlock(topic, `GPIO ${pin} was not switched on: GPIO ${pins(on)} of its interlock group could not be switched off.`);

/** The note on the error topic when kept start-up levels left more than one pin of a group on. */
export const startupMessage = (topic: string, offs: ReadonlyArray<number>): ErrorMessage =>
  errors.interlock(topic, `GPIO ${pins(offs)} of one interlock group were all on at start-up (kept levels); all were switched off.`);
