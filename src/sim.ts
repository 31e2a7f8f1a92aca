/**
 * `rpi-gpio-connector/sim`: the simulated chip, a GPIO driver held in memory,
 * for trying the connector without a Pi and for tests that drive inputs. Next
 * to the pure `rpi-gpio-connector/streams` entry (which holds no driver) it
 * loads nothing more: no MQTT client, no broker, no native addon.
 */
export { openSimDriver } from './adapters/gpio/sim';
export type { GpioDriver, SimulatedGpio, DriverError, KernelEdge } from './core/driver';
