import type { Located } from './pin-entries';
import { lineOf } from '../model';
import { keyPath, problem, type Problems } from './problems';

/** The largest pin number (the number in the topics) of a pin whose line is given apart from it, on any chip. */
export const MAX_PIN = 9999;

/**
 * Checks across every configured pin, whichever form it came from: each pin
 * is configured once (pins are the topics' numbers, unique across chips),
 * each line of a chip is taken by one pin, and a line of the default chip
 * (`gpio.chip`) is on it. Pins are checked in the order they are listed
 * (InputGpios, OutputGpios, then pins), and a clash is reported at the later
 * one, which is the one to remove. A line on another chip is checked against
 * that chip's lines when the driver opens it, before any line is requested.
 *
 * `lines` is undefined when `gpio.lines` itself was wrong: the range is then
 * unknown and checking against a default would only add false alarms.
 * `defaultChip` is `gpio.chip`: a pin that names it is on the default chip.
 */
export const checkPins = (pins: ReadonlyArray<Located>, lines: number | undefined, defaultChip = 'auto'): Problems => {
  const problems = new Set<string>(); // a pin listed three times is still one line
  const first = new Map<number, Located>();
  const taken = new Map<string, Located>();
  for (const p of pins) {
    const { pin, chip, line } = p.spec;
    const onDefault = chip === undefined || chip === defaultChip;
    const at = line === undefined ? p.path : linePath(p);
    const offset = lineOf(p.spec);
    if (line === undefined && onDefault) {
      if (lines !== undefined && (pin < 0 || pin >= lines)) problems.add(problem(p.path, `pin ${pin} is out of range 0-${lines - 1}`));
    } else {
      if (pin < 0 || pin > MAX_PIN) problems.add(problem(p.path, `pin ${pin} is out of range 0-${MAX_PIN}`));
      if (onDefault && lines !== undefined && offset >= lines) problems.add(problem(at, `line ${offset} is out of range 0-${lines - 1} (gpio.lines)`));
    }
    const earlier = first.get(pin);
    if (earlier === undefined) first.set(pin, p);
    else problems.add(problem(p.path, clash(p, earlier)));
    const key = `${onDefault ? '' : chip}\0${offset}`;
    const holder = taken.get(key);
    if (holder === undefined) taken.set(key, p);
    // Two pins of one number on one chip are one clash, already said.
    else if (earlier === undefined) problems.add(problem(at, `line ${offset} of ${onDefault ? 'the default chip' : `chip ${chip}`} is also ${holder.label === holder.path ? `pin ${holder.spec.pin} in ${holder.label}` : `in ${holder.label}`}`));
  }
  return [...problems];
};

/** Where a pin's `line` was written (only `pins:` entries have one). */
const linePath = (p: Located): string => keyPath(p.label, 'line');

/**
 * The string forms keep the Greengrass wording (`listed twice`, `also an
 * input`); an entry of `pins:` names the place the pin was already given.
 */
const clash = (p: Located, earlier: Located): string => {
  const pin = p.spec.pin;
  if (p.label === p.path) {
    // InputGpios or OutputGpios: they come before any `pins:` entry.
    return earlier.label === p.label ? `pin ${pin} is listed twice` : `pin ${pin} is also an ${earlier.spec.direction}`;
  }
  return `pin ${pin} is also in ${earlier.label}`;
};

/**
 * No pins at all. Reported at `InputGpios` because a problem needs a path and
 * that is the first pin parameter of the Greengrass connector, the one its
 * users know; the message names all three ways to fix it.
 */
export const NO_PINS = problem('InputGpios', 'no pins configured: set InputGpios, OutputGpios or pins');
