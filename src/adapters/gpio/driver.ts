/** The driver port lives in the core (src/core/driver.ts); re-exported here for the adapters. */
export { type DriverError, type GpioDriver, type KernelEdge, type OpenDriver, type SimulatedGpio, isSimulated } from '../../core/driver';
