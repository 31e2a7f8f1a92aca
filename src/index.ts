/**
 * The library entry point: the connector as RxJS streams, for hosts that bring
 * their own request stream and driver and need no MQTT.
 *
 * ```ts
 * const driver = openSimDriver(pins);            // or openLibgpiodDriver(pins, 'auto')
 * const out$ = connector({ request$ }, { thingName: 'pi', pins, pollPeriodMs: 50, driver: driver.right }).pipe(share());
 * out$.pipe(filter(isState)).subscribe(({ pin, level }) => ...);
 * out$.pipe(filter(isRejected)).subscribe(({ error }) => ...);
 * ```
 */
export { connector, type ConnectorDeps, type ConnectorSources } from './streams/connector';
export { answerRequests } from './streams/requests';
export { pollInputs } from './streams/inputs';
export { publishLevels } from './streams/levels';
export { decide, pinTable, type Request, type Command, type Decision, type Rejected, type Ignored, type PinTable } from './core/reducer';
export { type Output, type State, type Simulated, state, isState, isRejected } from './core/outputs';
export { type ErrorMessage, ErrorKind } from './core/errors';
export * from './core/model';
export * from './core/topics';
export { parseLevel, parsePin, formatLevel } from './core/payload';
export { decodeConfig } from './core/config';
export type { GpioDriver, SimulatedGpio, DriverError } from './adapters/gpio/driver';
export { isSimulated } from './adapters/gpio/driver';
export { openSimDriver } from './adapters/gpio/sim';
export { openLibgpiodDriver } from './adapters/gpio/libgpiod/driver';
