import { execFileSync, spawn } from 'node:child_process';
import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { expectError, read, request } from '../support/config';
import { gpioinfo, gpiomonArgs, gpioSimUnavailable, GpioTrace, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// The built service (node dist/main.js, gpio.driver: libgpiod) on the real
// kernel: a gpio-sim chip labelled as a Pi 4's header chip, with each
// hardware driver that loads here (node-libgpiod over the system's libgpiod
// 1.6; our uAPI v2 addon), a real Mosquitto. Inputs are driven through the sim's `pull`,
// outputs read from its `value`, and gpiolib's trace events prove what the
// kernel was asked to do. Runs under `npm run test:hardware` (in a VM where
// the host kernel has no gpio-sim); spec/kernel is not part of `npm test`.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);

// Sized for a VM under plain emulation, where node runs 10-50 times slower.
jest.setTimeout(300_000);
const READY_MS = 150_000;
const ANSWER_MS = 30_000;
afterEach(cleanupAll);

const THING = 'hw';
const LABEL = 'pinctrl-bcm2711';

const newChip = (): KernelGpioSim => {
  const chip = KernelGpioSim.create(LABEL, 58);
  track(chip, Order.Broker, async () => chip.dispose());
  return chip;
};

type Driver = 'libgpiod' | 'cdev';

const drivers = hardwareDrivers();

const config = (driver: Driver, port: number, extra: Record<string, unknown> = {}) => ({
  thingName: THING,
  InputGpios: '5,6U,7D',
  OutputGpios: '8H,9,10,27L',
  pins: [
    { pin: 17, direction: 'input', bias: 'pull-up', activeLow: true },
    { pin: 22, direction: 'output', initial: 'high', activeLow: true },
  ],
  InputPollPeriod: 20,
  mqtt: { url: `mqtt://127.0.0.1:${port}` },
  gpio: { driver },
  ...extra,
});

const firstStates = async (client: TestClient, pins: number[]): Promise<Record<number, string>> => {
  const seen: Record<number, string> = {};
  for (const pin of pins) seen[pin] = (await client.until(`gpio/${THING}/${pin}/state`, () => true, ANSWER_MS)).payload;
  return seen;
};

const until = (client: TestClient, pin: number, payload: string) =>
  client.until(`gpio/${THING}/${pin}/state`, (m) => m.payload === payload, ANSWER_MS);

describe.each(drivers)(`the service (gpio.driver: %s) on the kernel's gpio-sim (Linux ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, a 58-line chip labelled ${LABEL})`, (driver) => {
  it('starts every line as configured, without a glitch on the outputs that keep their level, and publishes each first level', async () => {
    const chip = newChip();
    const broker = await Mosquitto.start();
    // Before the service starts: line 5 (an input without bias) and line 9 (an
    // output without an initial level) are high; 10 is low.
    chip.drive(5, 1);
    chip.drive(9, 1);
    const trace = GpioTrace.start();
    track(trace, Order.Broker, async () => trace.stop());
    const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`]);
    const service = await Service.start(config(driver, broker.port));
    const ready = await service.ready(READY_MS);
    expect(ready).toMatchObject({ driver, chip: `${chip.chipName} (${LABEL})` });

    expect(await firstStates(client, [5, 6, 7, 17, 8, 9, 10, 27, 22])).toEqual({
      5: '1', // as it was
      6: '1', // pulled up by its bias
      7: '0', // pulled down
      17: '0', // pulled up, active-low
      8: '1',
      9: '1', // kept
      10: '0', // kept
      27: '0',
      22: '1', // high, active-low: the line is low
    });
    expect([8, 9, 10, 27, 22].map((p) => [p, chip.level(p)])).toEqual([[8, 1], [9, 1], [10, 0], [27, 0], [22, 0]]);

    // What the kernel shows users (the README's "check the wiring").
    const info = (p: number) => gpioinfo(chip.chipName, p);
    const ours = { consumer: 'rpi-gpio-connector', activeLow: false, bias: undefined };
    expect(info(5)).toEqual({ ...ours, direction: 'input' });
    expect(info(6)).toEqual({ ...ours, direction: 'input', bias: 'pull-up' });
    expect(info(7)).toEqual({ ...ours, direction: 'input', bias: 'pull-down' });
    expect(info(17)).toEqual({ ...ours, direction: 'input', activeLow: true, bias: 'pull-up' });
    expect(info(9)).toEqual({ ...ours, direction: 'output' });
    expect(info(22)).toEqual({ ...ours, direction: 'output', activeLow: true });

    // The kept outputs were never made inputs and never driven to the other level.
    const events = trace.events();
    const of = (offset: number) => events.filter((e) => e.gpio === chip.globalNumber(offset));
    expect(of(9).filter((e) => e.what === 'in' || (e.what === 'set' && e.value === 0))).toEqual([]);
    expect(of(10).filter((e) => e.what === 'in' || (e.what === 'set' && e.value === 1))).toEqual([]);
    expect(of(9)).toContainEqual({ gpio: chip.globalNumber(9), what: 'out' });
    // An output with a level is set to it, never to the other one.
    expect(of(8).filter((e) => e.what === 'set')).toEqual([{ gpio: chip.globalNumber(8), what: 'set', value: 1 }]);
  });

  it('publishes input changes, one bulk read for all inputs, and answers reads and writes on the real lines', async () => {
    const chip = newChip();
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`]);
    const service = await Service.start(config(driver, broker.port));
    await service.ready(READY_MS);
    await firstStates(client, [5, 6, 7, 17]);

    // Pulls set after the service requested its lines (a bias request sets the sim's pull).
    chip.drive(5, 1);
    expect((await until(client, 5, '1')).payload).toBe('1');
    chip.drive(17, 0); // active-low: a pressed button to ground reads 1
    expect((await until(client, 17, '1')).payload).toBe('1');
    // Three inputs in two bulks (no bias; pull-up; pull-down) change together.
    chip.drive(5, 0);
    chip.drive(6, 0);
    chip.drive(7, 1);
    await Promise.all([until(client, 5, '0'), until(client, 6, '0'), until(client, 7, '1')]);

    expect(await read(client, 7, THING)).toBe('1');
    expect(await read(client, 17, THING)).toBe('1');
    expect((await request(client, `gpio/${THING}/9/write`, '1', `gpio/${THING}/9/state`, ANSWER_MS)).payload).toBe('1');
    expect(chip.level(9)).toBe(1);
    expect((await request(client, `gpio/${THING}/8/write`, '0', `gpio/${THING}/8/state`, ANSWER_MS)).payload).toBe('0');
    expect(chip.level(8)).toBe(0);
    expect((await request(client, `gpio/${THING}/22/write`, '0', `gpio/${THING}/22/state`, ANSWER_MS)).payload).toBe('0');
    expect(chip.level(22)).toBe(1); // active-low
    expect(await read(client, 22, THING)).toBe('0');
    expect(await expectError(client, `gpio/${THING}/6/write`, '1', THING)).toMatchObject({ error: 'Invalid GPIO operation' });
  });

  it('follows edges on the real lines, whatever the poll period: every pulse counted, events with kernel timestamps, debounce, and a timed pulse', async () => {
    const chip = newChip();
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
    await client.subscribe(`gpio/${THING}/#`);
    const service = await Service.start({
      thingName: THING,
      pins: [
        { pin: 3, direction: 'input', bias: 'pull-down', edge: 'both', count: 'rising', events: true },
        { pin: 4, direction: 'input', bias: 'pull-down', edge: 'both', debounce: 3000 },
        { pin: 12, direction: 'output', initial: 'low' },
      ],
      // A poll every minute: nothing below may depend on it.
      InputPollPeriod: 60_000,
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}` },
      gpio: { driver },
    });
    expect(await service.ready(READY_MS)).toMatchObject({ driver, edgeInputs: [3, 4] });
    expect(await firstStates(client, [3, 4, 12])).toEqual({ 3: '0', 4: '0', 12: '0' });
    expect((await client.until(`gpio/${THING}/3/count`, () => true, ANSWER_MS)).payload).toBe('0');
    expect(gpioinfo(chip.chipName, 3)).toMatchObject({ consumer: 'rpi-gpio-connector', direction: 'input' });

    // Five pulses, each as short as two writes to the sim's pull: far shorter than any poll.
    const before = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) {
      chip.drive(3, 1);
      chip.drive(3, 0);
    }
    expect((await client.until(`gpio/${THING}/3/count`, (m) => m.payload === '5', ANSWER_MS)).payload).toBe('5');
    const states = (await client.collect(`gpio/${THING}/3/state`, 10, ANSWER_MS)).map((m) => m.payload);
    expect(states).toEqual(['1', '0', '1', '0', '1', '0', '1', '0', '1', '0']);
    const events = (await client.collect(`gpio/${THING}/3/event`, 10, ANSWER_MS)).map((m) => JSON.parse(m.payload) as { edge: string; timestampNs: string });
    expect(events.map((e) => e.edge)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'rising' : 'falling')));
    // The kernel's CLOCK_MONOTONIC stamps, in order, after the first drive: the service and the VM share the clock.
    const stamps = events.map((e) => BigInt(e.timestampNs));
    expect(stamps.every((t, i) => t > before && (i === 0 || t > (stamps[i - 1] as bigint)))).toBe(true);

    // Contact bounce on line 4, back where it was: nothing published; then a level held past the window: once.
    client.drain(`gpio/${THING}/4/state`);
    chip.drive(4, 1);
    chip.drive(4, 0);
    chip.drive(4, 1);
    chip.drive(4, 0);
    chip.drive(4, 1);
    expect((await client.next(`gpio/${THING}/4/state`, ANSWER_MS)).payload).toBe('1');
    expect(client.pending(`gpio/${THING}/4/state`)).toEqual([]);

    // A timed pulse on a real output line: on, then off again, both answered.
    client.drain(`gpio/${THING}/12/state`);
    await client.publish(`gpio/${THING}/12/pulse`, '1500');
    expect((await client.next(`gpio/${THING}/12/state`, ANSWER_MS)).payload).toBe('1');
    expect(chip.level(12)).toBe(1);
    expect((await client.next(`gpio/${THING}/12/state`, ANSWER_MS)).payload).toBe('0');
    expect(chip.level(12)).toBe(0);

    service.kill('SIGTERM');
    expect(await service.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    for (const p of [3, 4, 12]) expect([p, gpioinfo(chip.chipName, p).consumer]).toEqual([p, undefined]);
  });

  it('releases every line when stopped with SIGTERM', async () => {
    const chip = newChip();
    const broker = await Mosquitto.start();
    const service = await Service.start(config(driver, broker.port));
    await service.ready(READY_MS);
    expect(gpioinfo(chip.chipName, 8).consumer).toBe('rpi-gpio-connector');
    service.kill('SIGTERM');
    expect(await service.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    for (const p of [5, 6, 7, 17, 8, 9, 10, 27, 22]) expect([p, gpioinfo(chip.chipName, p).consumer]).toEqual([p, undefined]);
    // No longer driven, an output falls back to its pull (down): the kernel drives a line only while it is held.
    expect(chip.level(8)).toBe(0);
  });

  describe('start-up errors the kernel produces', () => {
    const stopsWith = async (message: RegExp | string, extra: Record<string, unknown>, chip: KernelGpioSim) => {
      const broker = await Mosquitto.start();
      const service = await Service.start(config(driver, broker.port, extra));
      const exit = await service.waitForExit(READY_MS);
      expect({ exit, stderr: service.stderr }).toEqual({ exit: { code: 1, signal: null }, stderr: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message) });
      expect(service.logs.some((l) => l['msg'] === 'ready')).toBe(false);
      // Nothing of ours is left requested.
      for (const p of [5, 6, 7, 17, 8, 9, 10, 22]) expect([p, gpioinfo(chip.chipName, p).consumer]).toEqual([p, undefined]);
    };

    it('a line held by another program: names it', async () => {
      const chip = newChip();
      const holder = spawn('gpiomon', gpiomonArgs(chip.chipName, 27), { stdio: 'ignore' });
      track(holder, Order.Service, async () => {
        holder.kill('SIGKILL');
      });
      for (let i = 0; i < 600 && gpioinfo(chip.chipName, 27).consumer !== 'gpiomon'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(gpioinfo(chip.chipName, 27).consumer).toBe('gpiomon');
      await stopsWith(`GPIO 27 on ${chip.chipName} is busy: it is held by "gpiomon"`, {}, chip);
    });

    it('a pin beyond the chip: gives its line count', async () => {
      const chip = newChip();
      await stopsWith(`GPIO 60 is out of range on ${chip.chipName}: the chip has 58 lines (0-57)`, { OutputGpios: '8H,9,10,27L,60', gpio: { driver, lines: 64 } }, chip);
    });

    it('the named chip missing: lists the chips present', async () => {
      const chip = newChip();
      await stopsWith(new RegExp(`GPIO chip gpiochip99 not found; chips present: .*${chip.chipName} \\(${LABEL}\\)`), { gpio: { driver, chip: 'gpiochip99' } }, chip);
    });
  });
});
