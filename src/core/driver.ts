/**
 * The GPIO driver port: what the stream units need from a chip, as plain
 * types. Adapters (`src/adapters/gpio/*`) implement it; the core and the
 * stream units depend only on this file.
 */
import type { Observable } from 'rxjs';
import type { Level, PinSpec } from './model';
import type { Either } from './either';
import type { PwmSetting } from './pwm';

/** A failure of the GPIO driver, as a value. */
export interface DriverError {
  readonly pin?: number;
  readonly message: string;
}

/** One edge event as the kernel (or the simulated chip) reports it. */
export interface KernelEdge {
  readonly pin: number;
  /** Logical: on an active-low line, rising means going active. */
  readonly rising: boolean;
  /** When the edge happened, in nanoseconds of CLOCK_MONOTONIC (the kernel's event clock; `process.hrtime`'s too). */
  readonly timestampNs: bigint;
  /**
   * The event's number among all events of its request, counted from 1 as a
   * u32 (uAPI v2). Absent where the source has none (libgpiod 1.x, uAPI v1):
   * there, a lost event shows only as two edges in the same direction.
   */
  readonly seqno?: number;
  /**
   * Not an edge the kernel reported: the driver found a line's event queue
   * full (uAPI v1, which drops new events and numbers none), read the line,
   * and reports its level now, so levels stay right and the loss is known.
   */
  readonly lost?: boolean;
}

/**
 * One interface over every GPIO implementation. Calls are synchronous because
 * the character device is: a read or a write is one ioctl. Edges arrive on
 * the event loop.
 */
export interface GpioDriver {
  readonly kind: 'sim' | 'libgpiod' | 'cdev';
  /** Which chip, for logs: `simulated chip` or `gpiochip0 (pinctrl-bcm2711)`. */
  readonly description: string;
  /** The polled input pins (edge `none`), in the order `readInputs` returns their levels. */
  readonly inputs: ReadonlyArray<number>;
  /** The input pins watched by edge events (edge `rising`, `falling` or `both`), in configured order. */
  readonly edgeInputs: ReadonlyArray<number>;
  /** One bulk read of every polled input line. */
  readInputs(): Either<DriverError, ReadonlyArray<Level>>;
  /** Read one configured line, input or output. */
  read(pin: number): Either<DriverError, Level>;
  /** Set an output line; answers the level read back. A PWM running on the line stops first. */
  write(pin: number, level: Level): Either<DriverError, Level>;
  /**
   * Runs PWM on an output line configured with `pwm:`, replacing what ran
   * there: the native addon's thread for a character-device line, a model on
   * the simulated chip. A duty of 0 or 1 holds the line at that level (no
   * edges). Answers the setting now running. Absent on a driver that has no
   * PWM: a config with `pwm:` is refused at start-up there.
   */
  pwm?(pin: number, setting: PwmSetting): Either<DriverError, PwmSetting>;
  /**
   * Every edge (rising and falling, whatever the pin's `edge` setting) of the
   * `edgeInputs`, in the order they happened, each event queued by the kernel
   * drained. Subscribing first drops the events queued before it (nobody was
   * listening; read the levels after subscribing); unsubscribing stops
   * watching, and `close` releases the lines. One subscriber at a time. A
   * failure to read events is the stream's error. EMPTY without edge inputs.
   */
  edges(): Observable<KernelEdge>;
  /** Release every line. Idempotent. */
  close(): void;
}

/** The simulated chip also lets the outside world set its input lines. */
export interface SimulatedGpio extends GpioDriver {
  readonly kind: 'sim';
  /** Sets an input line's physical level; an edge input reports the edge. */
  simulate(pin: number, level: Level): Either<DriverError, Level>;
  /** The physical level of a line, as a meter on the pin would read it (active-low shows here). */
  lineLevel(pin: number): Level | undefined;
  /** The PWM the simulated chip's model runs on a line (none after a write). */
  pwmSetting?(pin: number): PwmSetting | undefined;
}

export const isSimulated = (d: GpioDriver): d is SimulatedGpio => d.kind === 'sim';

/** Opens a driver for the configured pins; a start-up failure is a message for the user. */
export type OpenDriver = (pins: ReadonlyArray<PinSpec>) => Either<string, GpioDriver>;
