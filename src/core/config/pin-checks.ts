import type { Located } from './pin-entries';
import { problem, type Problems } from './problems';

/**
 * Checks across every configured pin, whichever form it came from: each pin
 * is on the chip and configured once. Pins are checked in the order they are
 * listed (InputGpios, OutputGpios, then pins), and a clash is reported at the
 * later one, which is the one to remove.
 *
 * `lines` is undefined when `gpio.lines` itself was wrong: the range is then
 * unknown and checking against a default would only add false alarms.
 */
export const checkPins = (pins: ReadonlyArray<Located>, lines: number | undefined): Problems => {
  const problems = new Set<string>(); // a pin listed three times is still one line
  const first = new Map<number, Located>();
  for (const p of pins) {
    const { pin } = p.spec;
    if (lines !== undefined && (pin < 0 || pin >= lines)) problems.add(problem(p.path, `pin ${pin} is out of range 0-${lines - 1}`));
    const earlier = first.get(pin);
    if (earlier === undefined) first.set(pin, p);
    else problems.add(problem(p.path, clash(p, earlier)));
  }
  return [...problems];
};

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
