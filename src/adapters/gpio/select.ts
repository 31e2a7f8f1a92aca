import * as E from 'fp-ts/Either';
import { readdirSync } from 'node:fs';
import type { GpioConfig, PinSpec } from '../../core/model';
import type { Logger } from '../log/logger';
import type { GpioDriver } from './driver';
import { type Addon, addonError, loadAddon } from './libgpiod/addon';
import { openLibgpiodDriver } from './libgpiod/driver';
import { openSimDriver } from './sim';

/** Whether the machine has a GPIO character device, by its device files. */
export const gpioChipsPresent = (dev = '/dev'): boolean => {
  try {
    return readdirSync(dev).some((f) => /^gpiochip\d+$/.test(f));
  } catch {
    return false;
  }
};

/** The addon with its chip list read once: `auto` looks at it, then the driver chooses from it. */
const listingOnce = (addon: Addon): Addon => {
  let names: string[] | undefined;
  return { ...addon, getChipNames: () => (names ??= addon.getChipNames()) };
};

/**
 * Whether `auto` means real hardware: libgpiod lists a chip, or cannot list
 * them for want of permission (that is a Pi whose user needs the gpio group,
 * not a machine to simulate). Without the addon, the device files decide.
 */
const hardwarePresent = (addon: E.Either<string, Addon>): boolean => {
  if (E.isLeft(addon)) return gpioChipsPresent();
  try {
    return addon.right.getChipNames().length > 0;
  } catch (e) {
    return addonError(e).code === 'EACCES' || gpioChipsPresent();
  }
};

/** `auto` is libgpiod where a chip exists, otherwise the simulated chip, with a warning that says so. */
export const openDriver = (pins: ReadonlyArray<PinSpec>, gpio: GpioConfig, log: Logger): E.Either<string, GpioDriver> => {
  if (gpio.driver === 'sim') return openSimDriver(pins);
  const addon = E.map(listingOnce)(loadAddon());
  if (gpio.driver === 'auto' && !hardwarePresent(addon)) {
    log.warn('no GPIO chip found (no /dev/gpiochip*): using the simulated chip; set gpio.driver: libgpiod to require real hardware');
    return openSimDriver(pins);
  }
  const opened = openLibgpiodDriver(pins, gpio.chip, () => addon);
  if (E.isRight(opened)) log.info('GPIO chip chosen', { chip: opened.right.description, why: opened.right.why });
  return opened;
};
