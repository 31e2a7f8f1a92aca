import * as E from 'fp-ts/Either';
import { thrown } from './errors';
import { permissionDenied } from './messages';

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

interface Present<C extends ChipHandle> {
  readonly name: string;
  readonly chip: C;
  readonly label: string;
}

const describe = <C extends ChipHandle>(c: Present<C>, why: string): ChosenChip<C> => ({
  chip: c.chip,
  why: `${c.name} (${c.label}), ${c.chip.numberOfLines} lines: ${why}`,
});

/**
 * Chooses the chip: `auto` takes the header chip by its label (on a Pi 5 its
 * number changes between kernels), else the only chip there is; otherwise a
 * name (`gpiochip0`), a number (`0`) or a label, as configured.
 */
export const chooseChip = <C extends ChipHandle>(source: ChipSource<C>, wanted: string): E.Either<string, ChosenChip<C>> => {
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
  const list = present.map((c) => `${c.name} (${c.label})`).join(', ');
  if (wanted === 'auto') {
    const header = present.find((c) => HEADER_LABELS.includes(c.label));
    if (header !== undefined) return E.right(describe(header, 'the 40-pin header chip, found by its label'));
    if (present.length === 1) return E.right(describe(present[0] as Present<C>, 'the only GPIO chip'));
    return E.left(`no 40-pin header chip among ${list}: set gpio.chip to one of them`);
  }
  const byName = present.find((c) => c.name === wanted || c.name === `gpiochip${wanted}` || `/dev/${c.name}` === wanted);
  if (byName !== undefined) return E.right(describe(byName, `as configured (gpio.chip: ${wanted})`));
  const byLabel = present.find((c) => c.label === wanted);
  if (byLabel !== undefined) return E.right(describe(byLabel, `as configured, by label (gpio.chip: ${wanted})`));
  return E.left(`GPIO chip ${wanted} not found; chips present: ${list}`);
};
