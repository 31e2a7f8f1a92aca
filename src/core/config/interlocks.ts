import * as E from 'fp-ts/Either';
import type { Interlocks } from '../model';
import { DEFAULT_INTERLOCK_DELAY_MS } from '../interlock';
import { integer } from './codecs';
import { MAX_LIST_ITEMS } from './gpio-strings';
import type { Located } from './pin-entries';
import { indexPath, keyPath, problem, show, type Problems } from './problems';
import { report } from './reporter';

const EXAMPLE = 'a list of groups of output pins, like [[20, 21], [22, 23, 24]]';

/** Where a pin's start-up level was set: `OutputGpios` (its `H`), `pins[2].initial`, or `pins[2].pwm` (a duty above 0). */
const initialPath = (l: Located): string =>
  l.label === l.path ? l.label : keyPath(l.label, l.spec.direction === 'output' && l.spec.pwm !== undefined ? 'pwm' : 'initial');

/** Whether a pin starts on: high, or a PWM with a duty above 0 (its line is on for part of every period). */
const startsOnAt = (l: Located): boolean => l.spec.direction === 'output' && (l.spec.pwm !== undefined ? l.spec.pwm.duty > 0 : l.spec.initial === 1);

/**
 * `interlocks:` and `interlockDelay`, checked against the configured pins:
 * each group is a list of two or more configured outputs, a pin is in one
 * group only, and at most one pin of a group starts on (`initial: high`, or
 * `H` in OutputGpios), else the start-up itself would break the interlock,
 * and at most one has `failsafe: high` (the failsafe's writes pass the
 * interlock, so two would fight).
 * Every problem has its path (`interlocks[1][0]`). No value when there are
 * problems, or no `interlocks` at all.
 */
export const decodeInterlocks = (
  raw: unknown,
  delayMs: number | undefined,
  pins: ReadonlyArray<Located>,
): { readonly problems: Problems; readonly value?: Interlocks } => {
  if (raw === undefined || raw === null) return { problems: [] };
  if (!Array.isArray(raw)) return { problems: [problem('interlocks', `expected ${EXAMPLE}, got ${show(raw)}`)] };
  if (raw.length > MAX_LIST_ITEMS) return { problems: [problem('interlocks', `too many groups: ${raw.length}, at most ${MAX_LIST_ITEMS}`)] };
  const byPin = new Map(pins.map((l) => [l.spec.pin, l]));
  const problems: string[] = [];
  const groups: number[][] = [];
  // Where each pin was first put in a group: `interlocks[0]`.
  const placed = new Map<number, string>();
  raw.forEach((item: unknown, i) => {
    const path = indexPath('interlocks', i);
    if (!Array.isArray(item)) {
      problems.push(problem(path, `expected a list of two or more output pins, like [20, 21], got ${show(item)}`));
      return;
    }
    if (item.length < 2) problems.push(problem(path, `a group needs two pins or more, got ${item.length}`));
    if (item.length > MAX_LIST_ITEMS) {
      problems.push(problem(path, `too many pins: ${item.length}, at most ${MAX_LIST_ITEMS}`));
      return;
    }
    const group: number[] = [];
    const startsOn: Located[] = [];
    const failsOn: Located[] = [];
    item.forEach((u: unknown, j) => {
      const at = indexPath(path, j);
      const decoded = integer.decode(u);
      if (E.isLeft(decoded)) {
        problems.push(...report(decoded.left, at));
        return;
      }
      const pin = decoded.right;
      const where = placed.get(pin);
      if (where !== undefined) {
        problems.push(problem(at, where === path ? `pin ${pin} is listed twice in this group` : `pin ${pin} is also in ${where}`));
        return;
      }
      placed.set(pin, path);
      const spec = byPin.get(pin);
      if (spec === undefined || spec.spec.direction !== 'output') {
        problems.push(problem(at, spec === undefined ? `pin ${pin} is not a configured output` : `pin ${pin} is an input (${spec.label}); only outputs can be interlocked`));
        return;
      }
      if (startsOnAt(spec)) startsOn.push(spec);
      if (spec.spec.failsafe?.level === 1) failsOn.push(spec);
      group.push(pin);
    });
    if (startsOn.length > 1) {
      const [a, b] = startsOn as [Located, Located, ...Located[]];
      const more = startsOn.length > 2 ? ` (and ${startsOn.slice(2).map((l) => `${l.spec.pin} at ${initialPath(l)}`).join(', ')})` : '';
      problems.push(
        problem(path, `pins ${a.spec.pin} (${initialPath(a)}) and ${b.spec.pin} (${initialPath(b)})${more} both start on: at most one pin of an interlock group may start high (or with a PWM duty above 0)`),
      );
    }
    if (failsOn.length > 1) {
      // The failsafe's writes pass the interlock like any other: two failsafe highs would fight, the later one winning.
      const [a, b] = failsOn as [Located, Located, ...Located[]];
      const more = failsOn.length > 2 ? ` (and ${failsOn.slice(2).map((l) => `${l.spec.pin} at ${keyPath(l.label, 'failsafe')}`).join(', ')})` : '';
      problems.push(
        problem(
          path,
          `pins ${a.spec.pin} (${keyPath(a.label, 'failsafe')}) and ${b.spec.pin} (${keyPath(b.label, 'failsafe')})${more} both have failsafe: high: at most one pin of an interlock group may go high when the broker is lost`,
        ),
      );
    }
    groups.push(group);
  });
  if (problems.length > 0) return { problems };
  return { problems: [], value: { groups, delayMs: delayMs ?? DEFAULT_INTERLOCK_DELAY_MS } };
};
