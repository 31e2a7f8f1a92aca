import * as t from 'io-ts';
import type { Bias, InitialLevel, InputSpec, OutputSpec } from '../model';
import { show } from './problems';

/**
 * The Greengrass connector's pin lists, `InputGpios: "5,6U,7D"` and
 * `OutputGpios: "8H,9,27L"`, checked against the connector's own patterns so a
 * group's parameters paste in unchanged. Two leniencies, for what people
 * type and the pattern would refuse for no gain: white space around each item
 * (`"8H, 9"`), and one pin as a YAML number (`InputGpios: 5`).
 */

/**
 * The connector's patterns, `^$|^[0-9]+[UD]?(,[0-9]+[UD]?)*$`, checked one
 * item at a time: the whole-string pattern backtracks through a group per
 * item, and an 8 MB list overflowed the stack inside the regular expression.
 */
const INPUT_ITEM = /^[0-9]+[UD]?$/;
const OUTPUT_ITEM = /^[0-9]+[HL]?$/;

/** No chip has more lines than `gpio.lines` allows (1024); a longer list is a mistake, and costs time to check. */
export const MAX_LIST_ITEMS = 1024;

const BIAS: Readonly<Record<string, Bias>> = { '': 'as-is', U: 'pull-up', D: 'pull-down' };
const INITIAL: Readonly<Record<string, InitialLevel>> = { '': 'keep', H: 1, L: 0 };

/** `" 5, 6U "` is `"5,6U"`. */
const squeeze = (s: string): string =>
  s
    .split(',')
    .map((item) => item.trim())
    .join(',');

/** `"6U"` is pin 6 with suffix `U`; the pattern has already vouched for the shape. */
const items = (s: string): ReadonlyArray<{ readonly pin: number; readonly suffix: string }> =>
  s === ''
    ? []
    : s.split(',').map((item) => {
        const digits = item.replace(/[A-Z]$/, '');
        return { pin: Number(digits), suffix: item.slice(digits.length) };
      });

/**
 * `InputGpios: 5`: YAML reads a lone pin as a number, and people write it so.
 * It is that pin with no suffix, as `"5"` is; its range is checked with the
 * other pins (`pin -1 is out of range 0-27`).
 */
const onePin = <A>(n: number, c: t.Context, name: string, toSpec: (pin: number, suffix: string) => A): t.Validation<ReadonlyArray<A>> => {
  // `+ 0` turns -0 into 0.
  if (Number.isSafeInteger(n)) return t.success([toSpec(n + 0, '')]);
  if (Number.isNaN(n) || Math.abs(n) <= Number.MAX_SAFE_INTEGER) return t.failure(n, c);
  return t.failure(n, c, `${n > 0 ? 'too large' : 'too small'}: expected ${name}, got ${show(n)}`);
};

const pinList = <A>(name: string, pattern: RegExp, toSpec: (pin: number, suffix: string) => A): t.Type<ReadonlyArray<A>, ReadonlyArray<A>, unknown> =>
  new t.Type<ReadonlyArray<A>, ReadonlyArray<A>, unknown>(
    name,
    (u): u is ReadonlyArray<A> => Array.isArray(u),
    (u, c) => {
      if (typeof u === 'number') return onePin(u, c, name, toSpec);
      if (typeof u !== 'string') return t.failure(u, c);
      // A cheap bound before any splitting: each item takes at least two characters with its comma.
      if (u.length > MAX_LIST_ITEMS * 16) return t.failure(u, c, `too long: ${u.length} characters; at most ${MAX_LIST_ITEMS} pins`);
      const s = squeeze(u);
      if (s === '') return t.success([]);
      const parts = s.split(',');
      if (parts.length > MAX_LIST_ITEMS) return t.failure(u, c, `too many pins: ${parts.length}, at most ${MAX_LIST_ITEMS}`);
      return parts.every((item) => pattern.test(item)) ? t.success(items(s).map(({ pin, suffix }) => toSpec(pin, suffix))) : t.failure(u, c);
    },
    t.identity,
  );

/** `InputGpios`: `U` pull-up, `D` pull-down, no suffix leaves the bias as it is. */
export const inputGpios = pinList<InputSpec>(
  'a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D"',
  INPUT_ITEM,
  (pin, suffix) => ({ pin, direction: 'input', bias: BIAS[suffix] ?? 'as-is', activeLow: false }),
);

/** `OutputGpios`: `H` starts high, `L` low, no suffix keeps the line's level. */
export const outputGpios = pinList<OutputSpec>(
  'a GPIO number, or a comma-separated list of GPIO numbers with optional H or L, like "8H,9,27L"',
  OUTPUT_ITEM,
  (pin, suffix) => ({ pin, direction: 'output', initial: INITIAL[suffix] ?? 'keep', activeLow: false }),
);
