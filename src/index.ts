/**
 * The library entry point: the connector as RxJS streams, for hosts that bring
 * their own request stream and driver and need no MQTT. Everything of
 * `rpi-gpio-connector/streams`, plus the libgpiod driver (its native addon is
 * loaded only when a driver is opened).
 *
 * ```ts
 * const driver = openSimDriver(pins);            // or openLibgpiodDriver(pins, 'auto')
 * const out$ = connector({ request$ }, { thingName: 'pi', pins, pollPeriodMs: 50, driver: driver.right }).pipe(share());
 * out$.pipe(filter(isState)).subscribe(({ pin, level }) => ...);
 * out$.pipe(filter(isRejected)).subscribe(({ error }) => ...);
 * ```
 */
export * from './streams';
export { openSimDriver } from './sim';
export { openLibgpiodDriver } from './adapters/gpio/libgpiod/driver';
