import * as E from 'fp-ts/Either';
import { statSync } from 'node:fs';
import { cleanupAll, Order, track } from '../support/cleanup';
import { DriverHost } from '../support/driver-host';
import { gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';

// Permission denied, as the kernel says it: a driver run as a user who may
// not open /dev/gpiochipN (root's, mode 0600 here; the gpio group's on
// Raspberry Pi OS) says so, and how to fix it. Under `npm run test:hardware`.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);
jest.setTimeout(120_000);
afterEach(cleanupAll);

const NOBODY = { uid: 65534, gid: 65534 };
const drivers = hardwareDrivers();

describe.each(drivers)('gpio.driver %s as a user without access to the chip', (kind) => {
  it('stops with the permission error and how to get access', async () => {
    const chip = KernelGpioSim.create('pinctrl-bcm2711', 58);
    track(chip, Order.Broker, async () => chip.dispose());
    // The premise: nobody may not open the device.
    expect(statSync(`/dev/${chip.chipName}`).mode & 0o006).toBe(0);
    const host = DriverHost.start({}, NOBODY);
    const opened = await host.call<E.Either<string, unknown>>('open', { kind, pins: [{ pin: 5, direction: 'input', bias: 'as-is', activeLow: false }], chip: 'auto' }, 60_000);
    expect(opened).toEqual(E.left(expect.stringMatching(/^permission denied opening .*gpiochip.*gpio group.*udev rule/)));
  });
});
