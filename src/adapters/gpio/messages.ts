import { reason, thrown } from './errors';

/**
 * Start-up failures of the character device, worded for the person at the
 * Pi: what is wrong, on which chip and pin, and how to fix it.
 */

export const permissionDenied = (what: string): string =>
  `permission denied opening ${what}: run the service as a user in the gpio group (sudo usermod -aG gpio $USER, then log in again), or add a udev rule that gives a group access to /dev/gpiochip*`;

export const lineBusy = (pin: number | string, chip: string, consumer: string | undefined): string =>
  `GPIO ${pin} on ${chip} is busy: it is held by ${consumer ? `"${consumer}"` : 'another program'} (gpioinfo ${chip} shows who holds each line); stop that program or choose another pin`;

export const outOfRange = (pins: ReadonlyArray<number>, chip: string, lines: number): string =>
  `${pins.length === 1 ? `GPIO ${pins[0]} is` : `GPIO ${pins.join(', ')} are`} out of range on ${chip}: the chip has ${lines} lines (0-${lines - 1})`;

export const biasUnsupported = (pin: number | string, chip: string): string =>
  `GPIO ${pin} on ${chip}: the kernel refused the pull-up/pull-down bias; bias through the GPIO character device needs Linux 5.5 or later: upgrade the kernel or drop the U/D suffix`;

export const requestFailed = (pin: number | string, chip: string, reason: string): string =>
  `GPIO ${pin} on ${chip}: cannot request the line: ${reason}`;

/** Who holds a busy line, as line info tells (the first of the lines tried that is held). */
export interface Holder {
  readonly pin: number;
  readonly consumer: string | undefined;
}

export interface Refusal {
  readonly chip: string;
  /** The chip's device file, for a permission problem. */
  readonly path: string;
  /** The lines of the request that failed, in order (on the header chip, the pins). */
  readonly pins: ReadonlyArray<number>;
  /** How a message names a line's pin where it is not the line's own number: `105 (line 5)`. */
  readonly pinOf?: (line: number) => string;
  /** Looked up only for EBUSY. */
  readonly holder: () => Holder | undefined;
  /** The request asked for a pull-up or pull-down bias: an old kernel's EINVAL may mean it has none. */
  readonly bias: boolean;
}

/**
 * Why the kernel refused a request, in the user's terms, the same for every
 * driver: busy (and who holds it), no permission, no bias support, or the
 * errno itself. `e` is what the library threw.
 */
export const requestRefused = (e: unknown, r: Refusal): string => {
  const name = (line: number): number | string => r.pinOf?.(line) ?? line;
  const first = name(r.pins[0] ?? 0);
  switch (thrown(e).code) {
    case 'EBUSY': {
      const held = r.holder();
      return lineBusy(held === undefined ? first : name(held.pin), r.chip, held?.consumer || undefined);
    }
    case 'EACCES':
    case 'EPERM':
      return permissionDenied(r.path);
    case 'EINVAL':
      if (r.bias) return biasUnsupported(first, r.chip);
      return requestFailed(first, r.chip, reason(e));
    default:
      return requestFailed(first, r.chip, reason(e));
  }
};

/** `gpio.driver: libgpiod` with PWM outputs: its lines are node-libgpiod's, out of reach of the addon's PWM thread. */
export const pwmNeedsCdev = (pins: ReadonlyArray<number>): string =>
  `GPIO ${pins.join(', ')} ${pins.length === 1 ? 'has' : 'have'} pwm: in the config, and software PWM runs on the character-device driver only: set gpio.driver: cdev (or auto), not libgpiod`;
