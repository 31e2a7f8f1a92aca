import * as E from 'fp-ts/Either';
import { readdirSync } from 'node:fs';
import type { GpioConfig, OutputSpec, PinSpec } from '../../core/model';
import { hardwarePwmPins, openSysfsPwm, PWM_SYSFS, withHardwarePwm } from '../pwm/sysfs';
import type { Logger } from '../log/logger';
import type { GpioDriver } from './driver';
import { type Addon, loadAddon } from './libgpiod/addon';
import { thrown } from './errors';
import * as messages from './messages';
import { openLibgpiodDriver, type LibgpiodDriver } from './libgpiod/driver';
import { loadNativeAddon } from './native/addon';
import { openCdevDriver, type CdevDriver } from './cdev/driver';
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
    return thrown(e).code === 'EACCES' || gpioChipsPresent();
  }
};

/**
 * `auto`: real hardware where a chip exists, through node-libgpiod where it
 * built (libgpiod 1.x: Raspberry Pi OS Bookworm), else through our own addon
 * over the kernel's uAPI v2 (any libgpiod, or none: Trixie); otherwise the
 * simulated chip, with a warning that says so.
 */
export const openDriver = (pins: ReadonlyArray<PinSpec>, gpio: GpioConfig, log: Logger, pwmRoot: string = PWM_SYSFS): E.Either<string, GpioDriver> => {
  if (gpio.driver === 'sim') return openSimDriver(pins, undefined, gpio.chip);
  // Hardware PWM pins are the PWM block's, not GPIO lines: the chip's driver never requests them.
  const hardware = hardwarePwmPins(pins);
  if (hardware.length === 0) return openGpioDriver(pins, gpio, log);
  const opened = openGpioDriver(pins.filter((p) => !hardware.includes(p as OutputSpec)), gpio, log);
  if (E.isLeft(opened)) return opened;
  const hw = openSysfsPwm(hardware, pwmRoot);
  if (E.isLeft(hw)) {
    opened.right.close();
    return hw;
  }
  log.info('hardware PWM channels opened', { pins: hw.right.pins });
  return E.right(withHardwarePwm(opened.right, hw.right, hardware));
};

/** The GPIO chip's driver, for every pin it requests. */
const openGpioDriver = (pins: ReadonlyArray<PinSpec>, gpio: GpioConfig, log: Logger): E.Either<string, GpioDriver> => {
  const pwm = pins.filter((p) => p.direction === 'output' && p.pwm !== undefined).map((p) => p.pin);
  if (pwm.length > 0 && gpio.driver === 'libgpiod') return E.left(messages.pwmNeedsCdev(pwm));
  // One line per chip the pins are on: which, why, and its pins.
  const chosen = (opened: E.Either<string, LibgpiodDriver | CdevDriver>): E.Either<string, GpioDriver> => {
    if (E.isRight(opened)) {
      const { chips, kind } = opened.right;
      for (const c of chips) log.info('GPIO chip chosen', { chip: c.description, why: c.why, driver: kind, ...(chips.length > 1 ? { pins: c.pins } : {}) });
    }
    return opened;
  };
  if (gpio.driver === 'cdev') return chosen(openCdevDriver(pins, gpio.chip));
  const addon = E.map(listingOnce)(loadAddon());
  if (gpio.driver === 'auto' && !hardwarePresent(addon)) {
    log.warn('no GPIO chip found (no /dev/gpiochip*): using the simulated chip; set gpio.driver: libgpiod or cdev to require real hardware');
    return openSimDriver(pins, undefined, gpio.chip);
  }
  if (gpio.driver === 'auto' && pwm.length > 0) {
    // Software PWM is timed in our addon's thread, on a request of its own: the character-device driver.
    log.info('PWM outputs configured: using the character-device addon (uAPI v2), whose thread times the PWM', { pwm });
    return chosen(openCdevDriver(pins, gpio.chip));
  }
  if (gpio.driver === 'auto' && E.isLeft(addon)) {
    const cdev = loadNativeAddon();
    if (E.isRight(cdev)) {
      log.info('node-libgpiod is not available (libgpiod 2 or no libgpiod-dev): using the character-device addon (uAPI v2)');
      return chosen(openCdevDriver(pins, gpio.chip, () => cdev));
    }
    return E.left(`${addon.left}; and ${cdev.left}`);
  }
  return chosen(openLibgpiodDriver(pins, gpio.chip, () => addon));
};
