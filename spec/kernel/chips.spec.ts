import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { read, request } from '../support/config';
import { gpioinfo, gpiomonArgs, gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';
import { setEdges, startValueTrace, stopValueTrace } from '../support/pwm-trace';

// Lines from several chips, on the real kernel: the built service (node
// dist/main.js with a config file, a real Mosquitto) over two gpio-sim chips
// at once, one labelled as a Pi 4's header chip and one as an MCP23017
// expander (what dtoverlay=mcp23017 gives: another gpiochip with its label),
// with each hardware driver that loads here. Inputs (polled and edge),
// outputs and edge events on both chips in one service; each chip's line 5
// is its own pin. Levels are set through the sims' `pull` and read from their
// `value`; gpioinfo shows who holds what. Runs under `npm run test:hardware`.
//
// PWM on both chips (the cdev driver's software PWM: one thread per chip's
// request) is the last case: a PWM output on the expander beside one on the
// header, each line's level changes read from gpiolib's trace events.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);

jest.setTimeout(300_000);
const READY_MS = 150_000;
const ANSWER_MS = 30_000;
afterEach(cleanupAll);

const THING = 'hw2';
const HEADER = 'pinctrl-bcm2711';
const EXPANDER = 'mcp23017';

const newChips = (): { header: KernelGpioSim; expander: KernelGpioSim } => {
  const others = spawnSync('gpiodetect', [], { encoding: 'utf8' }).stdout;
  if (new RegExp(`\\[${EXPANDER}\\]|\\(${EXPANDER}\\)`).test(others)) throw new Error(`a chip labelled ${EXPANDER} is already present (gpiodetect: ${others}): this spec names its expander by that label`);
  const header = KernelGpioSim.create(HEADER, 58);
  track(header, Order.Broker, async () => header.dispose());
  const expander = KernelGpioSim.create(EXPANDER, 16);
  track(expander, Order.Broker, async () => expander.dispose());
  return { header, expander };
};

type Driver = 'libgpiod' | 'cdev';

const config = (driver: Driver, port: number, extra: Record<string, unknown> = {}) => ({
  thingName: THING,
  // The Greengrass strings stay on the default chip (the header).
  InputGpios: '5',
  OutputGpios: '8H',
  pins: [
    { pin: 17, direction: 'input', bias: 'pull-up', edge: 'both', events: true },
    // Line 5 of the expander: pin 105 in the topics, not the header's 5.
    { pin: 105, direction: 'input', chip: EXPANDER, line: 5, edge: 'both', events: true },
    { pin: 104, direction: 'input', chip: EXPANDER, line: 4, bias: 'pull-down', edge: 'none' },
    { pin: 108, direction: 'output', chip: EXPANDER, line: 8, initial: 'low' },
    { pin: 109, direction: 'output', chip: EXPANDER, line: 9, initial: 'high', activeLow: true },
    { pin: 22, direction: 'output', initial: 'low' },
  ],
  InputPollPeriod: 20,
  mqtt: { url: `mqtt://127.0.0.1:${port}` },
  gpio: { driver },
  ...extra,
});

/** Lines of each chip the configuration above requests. */
const HEADER_LINES = [5, 8, 17, 22];
const EXPANDER_LINES = [4, 5, 8, 9];

const state = (client: TestClient, pin: number, payload: string) => client.until(`gpio/${THING}/${pin}/state`, (m) => m.payload === payload, ANSWER_MS);
const event = async (client: TestClient, pin: number): Promise<Record<string, unknown>> =>
  JSON.parse((await client.next(`gpio/${THING}/${pin}/event`, ANSWER_MS)).payload) as Record<string, unknown>;

const drivers = hardwareDrivers();

describe.each(drivers)(
  `the service (gpio.driver: %s) over two kernel gpio-sim chips (Linux ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}: ${HEADER}, 58 lines; ${EXPANDER}, 16 lines)`,
  (driver) => {
    it('requests lines on both chips, drives inputs, outputs and edges on both, and releases every line on SIGTERM', async () => {
      const { header, expander } = newChips();
      const broker = await Mosquitto.start();
      const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
      await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/+/event`, `gpio/${THING}/error`]);
      const service = await Service.start(config(driver, broker.port));
      const ready = await service.ready(READY_MS);

      // The ready line and the start-up log name both chips; one log line per chip, with its pins.
      expect(ready).toMatchObject({ driver, chip: `${header.chipName} (${HEADER}), ${expander.chipName} (${EXPANDER})`, edgeInputs: [17, 105] });
      const chosen = service.logs.filter((l) => l['msg'] === 'GPIO chip chosen').map((l) => [l['chip'], l['pins']]);
      expect(chosen).toEqual([
        [`${header.chipName} (${HEADER})`, [5, 17, 8, 22]],
        [`${expander.chipName} (${EXPANDER})`, [105, 104, 108, 109]],
      ]);

      // First levels, and each line held on its own chip.
      for (const [pin, level] of [[5, '0'], [17, '1'], [105, '0'], [104, '0'], [8, '1'], [22, '0'], [108, '0'], [109, '1']] as const) {
        expect([pin, (await state(client, pin, level)).payload]).toEqual([pin, level]);
      }
      expect([header.level(8), header.level(22), expander.level(8), expander.level(9)]).toEqual([1, 0, 0, 0]);
      for (const line of HEADER_LINES) expect([HEADER, line, gpioinfo(header.chipName, line).consumer]).toEqual([HEADER, line, 'rpi-gpio-connector']);
      for (const line of EXPANDER_LINES) expect([EXPANDER, line, gpioinfo(expander.chipName, line).consumer]).toEqual([EXPANDER, line, 'rpi-gpio-connector']);
      expect(gpioinfo(expander.chipName, 4)).toMatchObject({ direction: 'input', bias: 'pull-down' });
      expect(gpioinfo(expander.chipName, 9)).toMatchObject({ direction: 'output', activeLow: true });
      // Lines named only on the other chip are not taken here.
      expect(gpioinfo(header.chipName, 4).consumer).toBeUndefined();
      expect(gpioinfo(header.chipName, 9).consumer).toBeUndefined();
      expect(gpioinfo(expander.chipName, 17 - 16).consumer).toBeUndefined();

      // Edges on both chips, through the one reader: states and events, each for its own pin.
      client.drain();
      expander.drive(5, 1);
      expect((await state(client, 105, '1')).payload).toBe('1');
      expect(await event(client, 105)).toMatchObject({ edge: 'rising', level: 1 });
      header.drive(17, 0);
      expect((await state(client, 17, '0')).payload).toBe('0');
      expect(await event(client, 17)).toMatchObject({ edge: 'falling', level: 0 });
      expander.drive(5, 0);
      header.drive(17, 1);
      expect(await event(client, 105)).toMatchObject({ edge: 'falling', level: 0 });
      expect(await event(client, 17)).toMatchObject({ edge: 'rising', level: 1 });
      // The expander's line 5 moved, never the header's: pin 5 did not change.
      expect(client.pending(`gpio/${THING}/5/state`)).toEqual([]);
      expect(await read(client, 5, THING)).toBe('0');
      // A polled input on the expander (a bulk read per chip), and one on the header.
      expander.drive(4, 1);
      expect((await state(client, 104, '1')).payload).toBe('1');
      header.drive(5, 1);
      expect((await state(client, 5, '1')).payload).toBe('1');
      expect(await read(client, 105, THING)).toBe('0');

      // Writes move the line on their own chip only.
      expect((await request(client, `gpio/${THING}/108/write`, '1', `gpio/${THING}/108/state`, ANSWER_MS)).payload).toBe('1');
      expect([expander.level(8), header.level(8)]).toEqual([1, 1]);
      expect((await request(client, `gpio/${THING}/8/write`, '0', `gpio/${THING}/8/state`, ANSWER_MS)).payload).toBe('0');
      expect([expander.level(8), header.level(8)]).toEqual([1, 0]);
      expect((await request(client, `gpio/${THING}/109/write`, '0', `gpio/${THING}/109/state`, ANSWER_MS)).payload).toBe('0');
      expect(expander.level(9)).toBe(1); // active-low
      expect((await request(client, `gpio/${THING}/22/write`, '1', `gpio/${THING}/22/state`, ANSWER_MS)).payload).toBe('1');
      expect(header.level(22)).toBe(1);
      expect(client.pending(`gpio/${THING}/error`)).toEqual([]);

      service.kill('SIGTERM');
      expect(await service.waitForExit(60_000)).toEqual({ code: 0, signal: null });
      for (const line of HEADER_LINES) expect([HEADER, line, gpioinfo(header.chipName, line).consumer]).toEqual([HEADER, line, undefined]);
      for (const line of EXPANDER_LINES) expect([EXPANDER, line, gpioinfo(expander.chipName, line).consumer]).toEqual([EXPANDER, line, undefined]);
    });

    describe('start-up errors, before any line of either chip is requested', () => {
      /** `says`: what stderr must contain, every part of it. */
      const stopsWith = async (
        says: (header: KernelGpioSim, expander: KernelGpioSim) => string[],
        pins: ReadonlyArray<Record<string, unknown>>,
        before: (header: KernelGpioSim, expander: KernelGpioSim) => Promise<void> = async () => undefined,
        heldByOthers: ReadonlyArray<number> = [],
      ) => {
        const { header, expander } = newChips();
        await before(header, expander);
        const broker = await Mosquitto.start();
        const base = config(driver, broker.port);
        const service = await Service.start({ ...base, pins: [...base.pins, ...pins] });
        const exit = await service.waitForExit(READY_MS);
        expect({ exit, stderr: service.stderr }).toEqual({ exit: { code: 1, signal: null }, stderr: expect.any(String) });
        for (const part of says(header, expander)) expect(service.stderr).toContain(part);
        expect(service.logs.some((l) => l['msg'] === 'ready')).toBe(false);
        for (const line of HEADER_LINES) expect([HEADER, line, gpioinfo(header.chipName, line).consumer]).toEqual([HEADER, line, undefined]);
        for (const line of EXPANDER_LINES.filter((l) => !heldByOthers.includes(l))) expect([EXPANDER, line, gpioinfo(expander.chipName, line).consumer]).toEqual([EXPANDER, line, undefined]);
      };

      it('a chip that is not there: names the pins, and lists the chips present with their labels', async () => {
        await stopsWith(
          (h, e) => ['GPIO 200 (line 0) (chip: pcf8574): GPIO chip pcf8574 not found; chips present: ', `${h.chipName} (${HEADER})`, `${e.chipName} (${EXPANDER})`],
          [{ pin: 200, direction: 'input', chip: 'pcf8574', line: 0 }],
        );
      });

      it('an expander line held by another program: names the pin and its line, and leaves the header chip\'s lines, already requested, released', async () => {
        await stopsWith(
          (_h, e) => [`GPIO 108 (line 8) on ${e.chipName} is busy: it is held by "gpiomon"`],
          [],
          async (_h, e) => {
            const holder = spawn('gpiomon', gpiomonArgs(e.chipName, 8), { stdio: 'ignore' });
            track(holder, Order.Service, async () => {
              holder.kill('SIGKILL');
            });
            for (let i = 0; i < 600 && gpioinfo(e.chipName, 8).consumer !== 'gpiomon'; i++) await new Promise((r) => setTimeout(r, 100));
            expect(gpioinfo(e.chipName, 8).consumer).toBe('gpiomon');
          },
          [8],
        );
      });

      it('a line beyond the expander\'s 16: gives its line count', async () => {
        await stopsWith((_h, e) => [`GPIO 116 (line 16) is out of range on ${e.chipName} (${EXPANDER}): the chip has 16 lines (0-15)`], [{ pin: 116, direction: 'output', chip: EXPANDER, line: 16 }]);
      });
    });
  },
);

describe(`software PWM on both chips at once (gpio.driver: cdev, Linux ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()})`, () => {
  if (!drivers.includes('cdev')) throw new Error('the uAPI v2 addon does not load: run npm install');

  it('runs a PWM output on the header and one on the expander, and a write ends only its own', async () => {
    const { header, expander } = newChips();
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
    await client.subscribe([`gpio/${THING}/+/pwm/state`, `gpio/${THING}/+/state`, `gpio/${THING}/error`]);
    const service = await Service.start({
      thingName: THING,
      pins: [
        { pin: 12, direction: 'output', pwm: { frequency: 20, duty: 0.5 } },
        { pin: 112, direction: 'output', chip: EXPANDER, line: 12, pwm: { frequency: 20, duty: 0.5 } },
      ],
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}` },
      gpio: { driver: 'cdev' },
    });
    await service.ready(READY_MS);
    const sample = async (): Promise<{ header: number; expander: number }> => {
      startValueTrace();
      await new Promise((r) => setTimeout(r, 1500));
      stopValueTrace();
      const rising = (gpio: number) => setEdges(gpio).filter((e, i, all) => e.value === 1 && (i === 0 || all[i - 1]?.value === 0)).length;
      return { header: rising(header.globalNumber(12)), expander: rising(expander.globalNumber(12)) };
    };
    // 20 Hz for 1.5 s: about 30 periods each; an emulated VM may lose some, not most.
    const both = await sample();
    process.stdout.write(`PWM at 20 Hz on both chips, rising edges in 1.5 s: header ${both.header}, expander ${both.expander}\n`);
    expect(both.header).toBeGreaterThanOrEqual(10);
    expect(both.expander).toBeGreaterThanOrEqual(10);

    // A write to the expander's pin ends its PWM there (low); the header's runs on.
    await client.publish(`gpio/${THING}/112/write`, '0');
    await client.until(`gpio/${THING}/112/pwm/state`, (m) => m.payload === '{"frequency":20,"duty":0}', ANSWER_MS);
    const after = await sample();
    process.stdout.write(`after the expander's write 0: header ${after.header}, expander ${after.expander}\n`);
    expect(after.expander).toBe(0);
    expect(expander.level(12)).toBe(0);
    expect(after.header).toBeGreaterThanOrEqual(10);

    service.kill('SIGTERM');
    expect((await service.waitForExit(30_000)).code).toBe(0);
    expect(gpioinfo(header.chipName, 12).consumer).toBeUndefined();
    expect(gpioinfo(expander.chipName, 12).consumer).toBeUndefined();
  });
});
