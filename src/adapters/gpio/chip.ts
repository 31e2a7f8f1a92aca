import * as E from 'fp-ts/Either';
import type { Either } from '../../core/either';
import { thrown } from './errors';
import { lineOf, type PinSpec } from '../../core/model';
import { outOfRange as outOfRange1, permissionDenied } from './messages';

/** What gpioinfo shows as the holder of every line a driver requests. */
export const CONSUMER = 'rpi-gpio-connector';

/** The 40-pin header chip's labels: Pi 3, Pi 4, Pi 5. Found by label, never by number alone. */
export const HEADER_LABELS: ReadonlyArray<string> = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'];

/** A GPIO chip as a driver opened it: node-libgpiod's Chip, or our addon's chip info. */
export interface ChipHandle {
  readonly name: string;
  readonly label: string;
  readonly numberOfLines: number;
}

/** How a driver lists the chips and opens one (the same choice for every driver). */
export interface ChipSource<C extends ChipHandle> {
  getChipNames(): string[];
  open(name: string): C;
}

export interface ChosenChip<C extends ChipHandle> {
  readonly chip: C;
  /** For the log: `gpiochip0 (pinctrl-bcm2711), 58 lines: the 40-pin header chip, found by its label`. */
  readonly why: string;
}

export interface Present<C extends ChipHandle> {
  readonly name: string;
  readonly chip: C;
  readonly label: string;
}

const describe = <C extends ChipHandle>(c: Present<C>, why: string): ChosenChip<C> => ({
  chip: c.chip,
  why: `${c.name} (${c.label}), ${c.chip.numberOfLines} lines: ${why}`,
});

/** Every chip present, opened once: the chips to choose from, each named by its device file and label. */
export const presentChips = <C extends ChipHandle>(source: ChipSource<C>, wanted: string): Either<string, ReadonlyArray<Present<C>>> => {
  let names: string[];
  try {
    names = source.getChipNames();
  } catch (e) {
    const err = thrown(e);
    return E.left(err.code === 'EACCES' ? permissionDenied('the GPIO chips (/dev/gpiochip*)') : `cannot list the GPIO chips: ${err.message}`);
  }
  if (names.length === 0) {
    return E.left(
      wanted === 'auto'
        ? 'no GPIO chip found: there is no /dev/gpiochip* device (looked for the 40-pin header chip, labelled pinctrl-bcm2835 on a Pi 3, pinctrl-bcm2711 on a Pi 4, pinctrl-rp1 on a Pi 5)'
        : `GPIO chip ${wanted} not found: there is no /dev/gpiochip* device on this machine`,
    );
  }
  const present: Present<C>[] = [];
  for (const name of names) {
    try {
      const chip = source.open(name);
      present.push({ name, chip, label: chip.label });
    } catch (e) {
      const err = thrown(e);
      if (err.code === 'EACCES') return E.left(permissionDenied(`/dev/${name}`));
      return E.left(`cannot open GPIO chip ${name}: ${err.message}`);
    }
  }
  return E.right(present);
};

/**
 * Chooses among the chips present: `auto` takes the header chip by its label
 * (on a Pi 5 its number changes between kernels), else the only chip there
 * is; otherwise a name (`gpiochip0`), a number (`0`) or a label, as configured.
 */
export const choose = <C extends ChipHandle>(present: ReadonlyArray<Present<C>>, wanted: string, key = 'gpio.chip'): Either<string, ChosenChip<C>> => {
  const list = present.map((c) => `${c.name} (${c.label})`).join(', ');
  if (wanted === 'auto') {
    const header = present.find((c) => HEADER_LABELS.includes(c.label));
    if (header !== undefined) return E.right(describe(header, 'the 40-pin header chip, found by its label'));
    if (present.length === 1) return E.right(describe(present[0] as Present<C>, 'the only GPIO chip'));
    return E.left(`no 40-pin header chip among ${list}: set ${key} to one of them`);
  }
  const byName = present.find((c) => c.name === wanted || c.name === `gpiochip${wanted}` || `/dev/${c.name}` === wanted);
  if (byName !== undefined) return E.right(describe(byName, `as configured (${key}: ${wanted})`));
  const byLabel = present.find((c) => c.label === wanted);
  if (byLabel !== undefined) return E.right(describe(byLabel, `as configured, by label (${key}: ${wanted})`));
  return E.left(`GPIO chip ${wanted} not found; chips present: ${list}`);
};

/** Chooses the chip `gpio.chip` names (see {@link choose}). */
export const chooseChip = <C extends ChipHandle>(source: ChipSource<C>, wanted: string): Either<string, ChosenChip<C>> =>
  E.chain((present: ReadonlyArray<Present<C>>) => choose(present, wanted))(presentChips(source, wanted));

/** A chip a driver holds lines of, for the start-up log. */
export interface ChipUsed {
  /** `gpiochip1 (mcp23017)`. */
  readonly description: string;
  /** Why this chip: `gpiochip1 (mcp23017), 16 lines: as configured, by label (the pin's chip: mcp23017)`. */
  readonly why: string;
  /** Its pins (the topics' numbers). */
  readonly pins: ReadonlyArray<number>;
}

/** The pins one chip carries, with the chip as chosen. */
export interface ChipPins<C extends ChipHandle> extends ChosenChip<C> {
  /** `gpiochip1 (mcp23017)`: how logs and messages name it. */
  readonly description: string;
  /** Its pins, in configured order; each on line `lineOf(p)` of this chip. */
  readonly pins: ReadonlyArray<PinSpec>;
}

const named = (pins: ReadonlyArray<PinSpec>): string => pins.map((p) => (lineOf(p) === p.pin ? `GPIO ${p.pin}` : `GPIO ${p.pin} (line ${lineOf(p)})`)).join(', ');

/**
 * The chips of every pin, before any line is requested: the chips are listed
 * and opened once, each pin's `chip` (or `gpio.chip`, `defaultChip`, for a
 * pin that names none) chosen among them, the pins grouped by the chip they
 * are on (two names of one chip are one chip), and every pin's line checked
 * against its chip's lines, and against the other pins on it. The default
 * chip's group comes first, then the others in the order pins name them.
 * Left: every problem, one a line.
 */
export const choosePinChips = <C extends ChipHandle>(
  source: ChipSource<C>,
  pins: ReadonlyArray<PinSpec>,
  defaultChip: string,
): Either<string, ReadonlyArray<ChipPins<C>>> => {
  const keys = [...new Set(pins.map((p) => p.chip ?? defaultChip))];
  // The default chip first; without pins, the default chip alone (a driver with nothing to request still names its chip).
  const wanted = keys.length === 0 || keys.includes(defaultChip) ? [defaultChip, ...keys.filter((k) => k !== defaultChip)] : keys;
  const present = presentChips(source, wanted[0] ?? defaultChip);
  if (E.isLeft(present)) return present;
  const problems: string[] = [];
  const groups: Array<{ chosen: ChosenChip<C>; pins: PinSpec[] }> = [];
  for (const w of wanted) {
    const on = pins.filter((p) => (p.chip ?? defaultChip) === w);
    const explicit = on.every((p) => p.chip !== undefined);
    const chosen = choose(present.right, w, explicit ? 'the pin\'s chip' : 'gpio.chip');
    if (E.isLeft(chosen)) {
      problems.push(explicit ? `${named(on)} (chip: ${w}): ${chosen.left}` : chosen.left);
      continue;
    }
    const same = groups.find((g) => g.chosen.chip.name === chosen.right.chip.name);
    if (same === undefined) groups.push({ chosen: chosen.right, pins: [...on] });
    else same.pins.push(...on);
  }
  for (const g of groups) {
    const { name, numberOfLines: lines } = g.chosen.chip;
    const outOfRange = g.pins.filter((p) => lineOf(p) >= lines);
    if (outOfRange.length > 0) {
      problems.push(
        outOfRange.every((p) => lineOf(p) === p.pin)
          ? outOfRange1(outOfRange.map((p) => p.pin), name, lines)
          : `${named(outOfRange)} ${outOfRange.length === 1 ? 'is' : 'are'} out of range on ${name} (${g.chosen.chip.label}): the chip has ${lines} lines (0-${lines - 1})`,
      );
    }
    const byLine = new Map<number, PinSpec>();
    for (const p of g.pins) {
      const other = byLine.get(lineOf(p));
      if (other === undefined) byLine.set(lineOf(p), p);
      else problems.push(`GPIO ${other.pin} and GPIO ${p.pin} are both line ${lineOf(p)} of ${name} (${g.chosen.chip.label}): give each pin a line of its own`);
    }
  }
  if (problems.length > 0) return E.left(problems.join('\n'));
  return E.right(groups.map((g) => ({ ...g.chosen, description: `${g.chosen.chip.name} (${g.chosen.chip.label})`, pins: g.pins })));
};
