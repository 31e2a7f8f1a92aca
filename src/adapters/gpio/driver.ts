import type * as E from 'fp-ts/Either';
import type { Level, PinSpec } from '../../core/model';

/** A failure of the GPIO driver, as a value. */
export interface DriverError {
  readonly pin?: number;
  readonly message: string;
}

/**
 * One interface over every GPIO implementation. Calls are synchronous because
 * the character device is: a read or a write is one ioctl.
 */
export interface GpioDriver {
  readonly kind: 'sim' | 'libgpiod' | 'cdev';
  /** Which chip, for logs: `simulated chip` or `gpiochip0 (pinctrl-bcm2711)`. */
  readonly description: string;
  /** The input pins, in the order `readInputs` returns their levels. */
  readonly inputs: ReadonlyArray<number>;
  /** One bulk read of every input line. */
  readInputs(): E.Either<DriverError, ReadonlyArray<Level>>;
  /** Read one configured line, input or output. */
  read(pin: number): E.Either<DriverError, Level>;
  /** Set an output line; answers the level read back. */
  write(pin: number, level: Level): E.Either<DriverError, Level>;
  /** Release every line. Idempotent. */
  close(): void;
}

/** The simulated chip also lets the outside world set its input lines. */
export interface SimulatedGpio extends GpioDriver {
  readonly kind: 'sim';
  simulate(pin: number, level: Level): E.Either<DriverError, Level>;
  /** The physical level of a line, as a meter on the pin would read it (active-low shows here). */
  lineLevel(pin: number): Level | undefined;
}

export const isSimulated = (d: GpioDriver): d is SimulatedGpio => d.kind === 'sim';

/** Opens a driver for the configured pins; a start-up failure is a message for the user. */
export type OpenDriver = (pins: ReadonlyArray<PinSpec>) => E.Either<string, GpioDriver>;
