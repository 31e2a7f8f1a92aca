import type { PinSpec } from '../model';
import type { PwmSpec } from '../pwm';
import { decodeProps } from './decode-props';
import { MAX_LIST_ITEMS } from './gpio-strings';
import { indexPath, isRecord, keyPath, own, problem, show, type Problems } from './problems';
import { fitsDirection } from './home-assistant';
import { decodePwm } from './pwm';
import { PinEntry } from './shape';

/** A configured pin and where the user wrote it, for messages that point there. */
export interface Located {
  /** Where a problem with this pin's number is reported: `InputGpios`, `pins[2].pin`. */
  readonly path: string;
  /** How another message names this place: `InputGpios`, `pins[2]`. */
  readonly label: string;
  readonly spec: PinSpec;
}

const INITIAL = { keep: 'keep', high: 1, low: 0 } as const;
const FAILSAFE = { high: 1, low: 0 } as const;

/**
 * The per-pin form's inputs follow the kernel's edge events unless told
 * otherwise: no change is missed however short, and an input that does not
 * change costs nothing. Polling stays for the Greengrass strings (the seed's
 * behaviour) and for `edge: none` (a chip without edge interrupts).
 */
export const DEFAULT_EDGE = 'both' as const;

/** Settings that only an input has. */
const INPUT_ONLY = ['bias', 'edge', 'debounce', 'count', 'events'] as const;

/**
 * The explicit `pins:` list. Each entry is decoded on its own, so a bad entry
 * hides neither the problems nor the pins of the others.
 */
export const decodePinEntries = (raw: unknown): { readonly problems: Problems; readonly pins: ReadonlyArray<Located> } => {
  if (raw === undefined || raw === null) return { problems: [], pins: [] };
  if (!Array.isArray(raw)) return { problems: [problem('pins', `expected a list of mappings like {pin: 17, direction: input}, got ${show(raw)}`)], pins: [] };
  if (raw.length > MAX_LIST_ITEMS) return { problems: [problem('pins', `too many entries: ${raw.length}, at most ${MAX_LIST_ITEMS}`)], pins: [] };
  const problems: string[] = [];
  const pins: Located[] = [];
  raw.forEach((item: unknown, i) => {
    const label = indexPath('pins', i);
    const entry = decodeProps(PinEntry, item, label, ['pin', 'direction']);
    const pwm = entry.value.pwm === undefined || entry.value.direction !== 'output' ? { problems: [] } : decodePwm(entry.value.pwm, label);
    problems.push(...entry.problems, ...misplaced(entry.value, label), ...failsafeProblems(entry.value, item, label), ...pwm.problems);
    const spec = toSpec(entry.value, pwm.pwm);
    // Where the line is, unreadable: checking its pin against the default chip would only add false alarms.
    const lost = (['chip', 'line'] as const).some((k) => given(item, k) && entry.value[k] === undefined);
    if (spec !== undefined && !lost) pins.push({ path: keyPath(label, 'pin'), label, spec });
  });
  return { problems, pins };
};

/** A bias means nothing to an output, an initial level nothing to an input: likely a mix-up. */
const misplaced = (e: PinEntry, label: string): Problems => [
  ...(e.direction === 'output' ? INPUT_ONLY.filter((k) => e[k] !== undefined).map((k) => problem(keyPath(label, k), 'only for inputs')) : []),
  ...(e.direction === 'input' && e.initial !== undefined ? [problem(keyPath(label, 'initial'), 'only for outputs')] : []),
  ...(e.direction === 'input' && e.pwm !== undefined ? [problem(keyPath(label, 'pwm'), 'only for outputs')] : []),
  ...(e.direction === 'output' && e.pwm !== undefined && e.initial !== undefined
    ? [problem(keyPath(label, 'initial'), 'a PWM output starts at its pwm.duty: leave initial out')]
    : []),
  ...(e.direction !== undefined && e.deviceClass !== undefined && !fitsDirection(e.deviceClass, e.direction)
    ? [problem(keyPath(label, 'deviceClass'), e.direction === 'input' ? `"${e.deviceClass}" is a switch class; an input is a binary_sensor` : `an output is a switch: outlet or switch, got "${e.deviceClass}"`)]
    : []),
];

/**
 * A failsafe level needs its delay, written out: how long the broker may be
 * away is the user's call, not a default's. A delay with no level to go to is
 * a mistake too. `raw` tells a key that is missing from one that was
 * written wrong (already reported, by its value).
 */
const failsafeProblems = (e: PinEntry, raw: unknown, label: string): Problems => {
  if (e.direction === 'input') {
    return (['failsafe', 'failsafeAfter'] as const).filter((k) => e[k] !== undefined).map((k) => problem(keyPath(label, k), 'only for outputs'));
  }
  const moves = e.failsafe === 'low' || e.failsafe === 'high';
  if (moves && !given(raw, 'failsafeAfter')) {
    return [problem(keyPath(label, 'failsafeAfter'), `missing: failsafe: ${e.failsafe} needs failsafeAfter, the milliseconds the broker connection may be lost before the output moves`)];
  }
  if (!moves && e.failsafeAfter !== undefined && (e.failsafe !== undefined || !given(raw, 'failsafe'))) {
    return [problem(keyPath(label, 'failsafeAfter'), `only with failsafe: low or high${e.failsafe === 'keep' ? ' (keep moves nothing)' : ''}`)];
  }
  return [];
};

/** The key is there with a value (YAML `key:` alone gives null, which counts as absent). */
const given = (item: unknown, key: string): boolean => {
  const value = isRecord(item) ? own(item, key) : undefined;
  return value !== undefined && value !== null;
};

const toSpec = (e: PinEntry, pwm: PwmSpec | undefined): PinSpec | undefined => {
  if (e.pin === undefined || e.direction === undefined) return undefined;
  const activeLow = e.activeLow ?? false;
  // Only keys the user wrote (labels, and where the line is): a spec compares equal to one written without them.
  const written = {
    ...(e.name === undefined ? {} : { name: e.name }),
    ...(e.deviceClass === undefined ? {} : { deviceClass: e.deviceClass }),
    ...(e.chip === undefined ? {} : { chip: e.chip }),
    ...(e.line === undefined ? {} : { line: e.line }),
  };
  return e.direction === 'input'
    ? {
        pin: e.pin,
        direction: 'input',
        bias: e.bias ?? 'as-is',
        activeLow,
        ...written,
        edge: e.edge ?? DEFAULT_EDGE,
        ...(e.debounce === undefined || e.debounce === 0 ? {} : { debounceMs: e.debounce }),
        ...(e.count === undefined ? {} : { count: e.count }),
        ...(e.events === true ? { events: true } : {}),
      }
    : {
        pin: e.pin,
        direction: 'output',
        // With PWM, the line is requested at the level a duty of 0 or 1 holds, low otherwise; the PWM starts right after.
        initial: pwm === undefined ? INITIAL[e.initial ?? 'keep'] : pwm.duty === 1 ? 1 : 0,
        activeLow,
        ...written,
        ...(e.failsafe === undefined || e.failsafe === 'keep' || e.failsafeAfter === undefined ? {} : { failsafe: { level: FAILSAFE[e.failsafe], afterMs: e.failsafeAfter } }),
        ...(pwm === undefined ? {} : { pwm }),
      };
};
