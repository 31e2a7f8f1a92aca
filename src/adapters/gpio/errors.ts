import type { DriverError } from './driver';

/**
 * The GPIO drivers' one vocabulary for failures once they run: the same
 * failure reads the same from the cdev, libgpiod and simulated drivers.
 * (Start-up failures, worded for the person at the Pi: ./messages.ts.)
 */

/** What was thrown by our addon, node-libgpiod or the system: `code` is the errno name (`EBUSY`, `EACCES`, ...) where there is one. */
export interface Thrown {
  readonly code?: string;
  readonly message: string;
}

export const thrown = (e: unknown): Thrown => {
  if (typeof e !== 'object' || e === null) return { message: String(e) };
  const { code, message } = e as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), message: String(message ?? e) };
};

/** The failure in one line, led by its errno name: `EBUSY: Device or resource busy`, whichever library threw it. */
export const reason = (e: unknown): string => {
  const { code, message } = thrown(e);
  return code !== undefined && !message.startsWith(code) ? `${code}: ${message}` : message;
};

/** A call that failed in the library or the kernel. */
export const failed = (pin: number | undefined, e: unknown): DriverError => ({ ...(pin === undefined ? {} : { pin }), message: reason(e) });

/** Every call once the driver's `close` ran. */
export const RELEASED = 'the GPIO chip is released';

export const released = (pin?: number): DriverError => ({ ...(pin === undefined ? {} : { pin }), message: RELEASED });

/** A pin the configuration did not give the driver. */
export const notRequested = (pin: number): DriverError => ({ pin, message: `GPIO ${pin} is not requested` });

/** A write to a pin requested as an input. */
export const notAnOutput = (pin: number): DriverError => ({ pin, message: `GPIO ${pin} is not an output` });

/** A second subscriber to a driver's edges(). */
export const ALREADY_WATCHED = 'the edge events are already watched';
