import * as E from 'fp-ts/Either';
import type { Level, PinSpec } from '../../core/model';
import type { DriverError, GpioDriver } from './driver';

/** What `gpioinfo` shows as the holder of every line we request. */
export const CONSUMER = 'rpi-gpio-connector';

/** The header chip's labels: Pi 3, Pi 4, Pi 5. Found by label, never by number alone. */
export const HEADER_LABELS = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'] as const;

// node-libgpiod is an optional dependency: typed loosely here and loaded lazily,
// so the service installs and runs (on the simulated chip) where it did not build.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Addon = any;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Loads node-libgpiod, or says why not and how to fix it. */
export const loadAddon = (): E.Either<string, Addon> =>
  E.tryCatch(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('node-libgpiod') as Addon,
    (e) =>
      `node-libgpiod is not available (${message(e)}): install libgpiod-dev (apt-get install libgpiod-dev) and run npm rebuild node-libgpiod`,
  );

/** Chooses the chip: by name, number or label; `auto` picks the header chip by label, else the only chip. */
export const chooseChip = (addon: Addon, wanted: string): E.Either<string, { chip: Addon; why: string }> => {
  const names: string[] = E.getOrElse((): string[] => [])(E.tryCatch(() => addon.getChipNames() as string[], message));
  if (names.length === 0) {
    return E.left(
      wanted === 'auto'
        ? 'no GPIO chip found: there is no /dev/gpiochip* device (looked for the 40-pin header chip, gpiochip0 on a Pi 3/4, labelled pinctrl-bcm2835, pinctrl-bcm2711 or pinctrl-rp1)'
        : `GPIO chip ${wanted} not found: there is no /dev/gpiochip* device on this machine`,
    );
  }
  const opened = names.flatMap((name) => {
    const chip = E.tryCatch(() => new addon.Chip(name), message);
    return E.isRight(chip) ? [{ name, chip: chip.right as Addon, label: String(chip.right.label) }] : [];
  });
  const pick = (c: { name: string; chip: Addon; label: string } | undefined, why: string) =>
    c === undefined ? undefined : { chip: c.chip, why: `${c.name} (${c.label}): ${why}` };
  const present = opened.map((c) => `${c.name} (${c.label})`).join(', ');
  const found =
    wanted === 'auto'
      ? (pick(opened.find((c) => (HEADER_LABELS as readonly string[]).includes(c.label)), 'the 40-pin header chip, by label') ??
        (opened.length === 1 ? pick(opened[0], 'the only chip') : undefined))
      : pick(
          opened.find((c) => c.name === wanted || c.name === `gpiochip${wanted}` || c.label === wanted),
          'as configured',
        );
  return found === undefined
    ? E.left(`GPIO chip ${wanted} not found; chips present: ${present || 'none that could be opened'}`)
    : E.right(found);
};

/** The level a line has now, read as an input before it is taken as an output. */
const currentLevel = (line: Addon, flags: number): Level => {
  line.requestInputModeFlags(CONSUMER, flags);
  const level = Number(line.getValue()) ? 1 : 0;
  line.release();
  return level;
};

/**
 * The character-device driver through node-libgpiod (libgpiod 1.x). Inputs are
 * requested with their bias; outputs with their initial level or, without one,
 * the level the line has now, so nothing switches at start-up.
 */
export const openLibgpiodDriver = (pins: ReadonlyArray<PinSpec>, chipName: string): E.Either<string, GpioDriver & { readonly why: string }> => {
  const addon = loadAddon();
  if (E.isLeft(addon)) return addon;
  const chosen = chooseChip(addon.right, chipName);
  if (E.isLeft(chosen)) return chosen;
  const { Line } = addon.right;
  const { chip, why } = chosen.right;
  const lines = new Map<number, Addon>();
  const release = () => {
    for (const l of lines.values()) E.tryCatch(() => l.release(), message);
    lines.clear();
  };
  for (const p of pins) {
    const requested = E.tryCatch(() => {
      const line = new Line(chip, p.pin);
      const flags =
        (p.activeLow ? Line.RequestFlags.ACTIVE_LOW : 0) |
        (p.direction === 'input' && p.bias === 'pull-up' ? Line.RequestFlags.BIAS_PULL_UP : 0) |
        (p.direction === 'input' && p.bias === 'pull-down' ? Line.RequestFlags.BIAS_PULL_DOWN : 0);
      if (p.direction === 'input') line.requestInputModeFlags(CONSUMER, flags);
      else {
        const initial = p.initial === 'keep' ? currentLevel(line, flags) : p.initial;
        line.requestOutputModeFlags(CONSUMER, flags, initial);
      }
      return line;
    }, message);
    if (E.isLeft(requested)) {
      release();
      return E.left(`GPIO ${p.pin} on ${why.split(':')[0]}: cannot request the line: ${requested.left}`);
    }
    lines.set(p.pin, requested.right);
  }
  const inputs = pins.filter((p) => p.direction === 'input').map((p) => p.pin);
  const get = (pin: number): E.Either<DriverError, Addon> => {
    const l = lines.get(pin);
    return l === undefined ? E.left({ pin, message: `GPIO ${pin} is not requested` }) : E.right(l);
  };
  const readLine = (pin: number) =>
    E.chain((l: Addon) => E.tryCatch(() => (Number(l.getValue()) ? 1 : 0) as Level, (e): DriverError => ({ pin, message: message(e) })))(get(pin));
  return E.right({
    kind: 'libgpiod',
    description: why,
    why,
    inputs,
    readInputs: () => {
      const levels: Level[] = [];
      for (const pin of inputs) {
        const r = readLine(pin);
        if (E.isLeft(r)) return r;
        levels.push(r.right);
      }
      return E.right(levels);
    },
    read: readLine,
    write: (pin, level) =>
      E.chain((l: Addon) =>
        E.tryCatch(
          () => {
            l.setValue(level);
            return (Number(l.getValue()) ? 1 : 0) as Level;
          },
          (e): DriverError => ({ pin, message: message(e) }),
        ),
      )(get(pin)),
    close: release,
  });
};
