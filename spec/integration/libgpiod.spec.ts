import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { read, request } from '../support/config';
import { GpiodStandin, type StandinChipSpec } from '../support/gpiod-standin';
import { freePort } from '../support/ports';
import { Service } from '../support/service';
import { constants } from 'node:os';

const osErrno = constants.errno;

// The built service as users run it on a Pi (node dist/main.js, gpio.driver:
// libgpiod), with node-libgpiod over the stand-in libgpiod.so.2.
jest.setTimeout(30_000);
afterEach(cleanupAll);

const PI4: StandinChipSpec = { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 };

const config = (port: number, gpio: Record<string, unknown> = {}) => ({
  thingName: 't1',
  InputGpios: '5,6U,7D',
  OutputGpios: '8H,9,27L',
  InputPollPeriod: 20,
  mqtt: { url: 'embedded', port },
  gpio: { driver: 'libgpiod', ...gpio },
});

const start = async (chips: StandinChipSpec[] = [PI4], gpio: Record<string, unknown> = {}) => {
  await GpiodStandin.build();
  const standin = await GpiodStandin.create(chips);
  track(standin, Order.Broker, () => standin.dispose());
  const port = await freePort();
  const service = await Service.start(config(port, gpio), { env: standin.env() });
  return { standin, service, port };
};

describe('the service on the libgpiod driver', () => {
  it('logs the chip it chose, publishes input changes, and lands writes on the lines', async () => {
    const { standin, service, port } = await start();
    const ready = await service.ready();
    expect(ready).toMatchObject({ driver: 'libgpiod', chip: 'gpiochip0 (pinctrl-bcm2711)' });
    expect(service.logs.find((l) => l['msg'] === 'GPIO chip chosen')).toMatchObject({
      why: expect.stringContaining('the 40-pin header chip, found by its label'),
    });
    // The stand-in is what node-libgpiod loaded: our consumer holds the lines.
    expect(standin.line('gpiochip0', 8)).toMatchObject({ requested: true, consumer: 'rpi-gpio-connector', level: 1 });

    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
    expect(await read(client, 5)).toBe('0');
    standin.setLevel('gpiochip0', 5, 1);
    expect((await client.until('gpio/t1/5/state', (m) => m.payload === '1')).payload).toBe('1');
    standin.setLevel('gpiochip0', 5, 0);
    expect((await client.until('gpio/t1/5/state', (m) => m.payload === '0')).payload).toBe('0');

    expect((await request(client, 'gpio/t1/9/write', '1', 'gpio/t1/9/state')).payload).toBe('1');
    expect(standin.line('gpiochip0', 9).level).toBe(1);
    expect((await request(client, 'gpio/t1/8/write', '0', 'gpio/t1/8/state')).payload).toBe('0');
    expect(standin.line('gpiochip0', 8).level).toBe(0);
    // No simulate topic with real hardware.
    expect(service.logs.find((l) => l['msg'] === 'ready')?.['subscriptions']).toEqual(['gpio/t1/+/read', 'gpio/t1/+/write']);
  });

  it('releases every line when stopped with SIGTERM', async () => {
    const { standin, service } = await start();
    await service.ready();
    const pid = service.pid;
    service.kill('SIGTERM');
    expect(await service.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    const events = standin.events();
    for (const offset of [5, 6, 7, 8, 9, 27]) {
      expect(standin.line('gpiochip0', offset)).toMatchObject({ offset, requested: false });
      // Released by the service itself on its way out, not freed by the kernel after a crash.
      const last = events.filter((e) => new RegExp(`offset=${offset}\\b`).test(e)).pop();
      expect({ offset, last }).toEqual({ offset, last: expect.stringMatching(new RegExp(`^release .*pid=${pid}\\b`)) });
    }
  });

  it.each([
    ['no chip at all', [] as StandinChipSpec[], {}, /no GPIO chip found/],
    ['the named chip missing', [PI4], { chip: 'gpiochip4' }, /GPIO chip gpiochip4 not found; chips present: gpiochip0 \(pinctrl-bcm2711\)/],
    ['permission denied', [{ ...PI4, access: 'denied' as const }], {}, /permission denied opening .*gpio group/],
    ['pins beyond the chip', [{ ...PI4, lines: 8 }], {}, /GPIO 8, 9, 27 are out of range on gpiochip0: the chip has 8 lines \(0-7\)/],
    ['bias without kernel support', [{ ...PI4, bias: false }], {}, /GPIO 6 on gpiochip0: the kernel refused the pull-up\/pull-down bias.*Linux 5\.5/],
  ])('stops at start-up, before the broker, on %s', async (_name, chips, gpio, message) => {
    const { service } = await start(chips, gpio);
    const exit = await service.waitForExit(10_000);
    expect(exit.code).toBe(1);
    expect(service.stderr).toMatch(message);
    expect(service.logs.some((l) => l['msg'] === 'embedded broker listening' || l['msg'] === 'ready')).toBe(false);
  });

  it('stops at start-up when a line is held by another program, naming it', async () => {
    await GpiodStandin.build();
    const standin = await GpiodStandin.create([PI4]);
    track(standin, Order.Broker, () => standin.dispose());
    standin.hold('gpiochip0', 27, 'pigpiod');
    const service = await Service.start(config(await freePort()), { env: standin.env() });
    expect((await service.waitForExit(10_000)).code).toBe(1);
    expect(service.stderr).toContain('GPIO 27 on gpiochip0 is busy: it is held by "pigpiod"');
    // What it had requested before it met the busy line is released again.
    expect(standin.lines('gpiochip0').filter((l) => l.consumer === 'rpi-gpio-connector')).toEqual([]);
  });
});

describe('the service on the libgpiod driver when a line fails at run time', () => {
  it('answers on the error topic, keeps running, and recovers when the line does', async () => {
    const { standin, service, port } = await start();
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);

    standin.fault('gpiochip0', 8, osErrno.EIO);
    const writeError = JSON.parse((await request(client, 'gpio/t1/8/write', '0', 'gpio/t1/error')).payload);
    expect(writeError).toEqual({
      topic: 'gpio/t1/8/write',
      error: 'GPIO driver failure',
      long_description: expect.stringMatching(/^Writing GPIO 8 failed: EIO/),
    });
    // The poll reports a failing input once, with the pin's state topic.
    standin.fault('gpiochip0', 5, osErrno.EIO);
    const pollError = JSON.parse((await client.until('gpio/t1/error', (m) => m.payload.includes('Polling'))).payload);
    expect(pollError).toMatchObject({ topic: 'gpio/t1/5/state', error: 'GPIO driver failure' });

    standin.fault('gpiochip0', 8, 0);
    standin.fault('gpiochip0', 5, 0);
    expect((await request(client, 'gpio/t1/8/write', '0', 'gpio/t1/8/state')).payload).toBe('0');
    expect(standin.line('gpiochip0', 8).level).toBe(0);
    standin.setLevel('gpiochip0', 5, 1);
    expect((await client.until('gpio/t1/5/state', (m) => m.payload === '1')).payload).toBe('1');
  });
});

describe('the service choosing and configuring lines from its config file', () => {
  it('requests the Greengrass strings and the per-pin form with their bias, levels and active-low', async () => {
    await GpiodStandin.build();
    const standin = await GpiodStandin.create([PI4]);
    track(standin, Order.Broker, () => standin.dispose());
    standin.setLevel('gpiochip0', 9, 1);
    const service = await Service.start(
      {
        ...config(await freePort()),
        pins: [
          { pin: 17, direction: 'input', bias: 'pull-up', activeLow: true },
          { pin: 22, direction: 'output', initial: 'high', activeLow: true },
        ],
      },
      { env: standin.env() },
    );
    await service.ready();
    const flags = (o: Partial<Record<'activeLow' | 'biasPullUp' | 'biasPullDown', boolean>> = {}) => ({
      activeLow: false, biasPullUp: false, biasPullDown: false, biasDisable: false, openDrain: false, openSource: false, ...o,
    });
    const line = (offset: number) => standin.line('gpiochip0', offset);
    expect(line(5)).toMatchObject({ direction: 'input', flags: flags() });
    expect(line(6)).toMatchObject({ direction: 'input', flags: flags({ biasPullUp: true }) });
    expect(line(7)).toMatchObject({ direction: 'input', flags: flags({ biasPullDown: true }) });
    expect(line(17)).toMatchObject({ direction: 'input', flags: flags({ biasPullUp: true, activeLow: true }) });
    expect(line(8)).toMatchObject({ direction: 'output', flags: flags(), level: 1 });
    expect(line(9)).toMatchObject({ direction: 'output', flags: flags(), level: 1 }); // kept
    expect(line(27)).toMatchObject({ direction: 'output', flags: flags(), level: 0 });
    expect(line(22)).toMatchObject({ direction: 'output', flags: flags({ activeLow: true }), defaultValue: 1, level: 0 });
    for (const offset of [5, 6, 7, 17, 8, 9, 27, 22]) expect(line(offset)).toMatchObject({ requested: true, consumer: 'rpi-gpio-connector' });
  });

  it('with gpio.driver auto, takes the chip libgpiod lists, and without one simulates, saying so', async () => {
    await GpiodStandin.build();
    const withChip = await GpiodStandin.create([PI4]);
    const without = await GpiodStandin.create([]);
    track(withChip, Order.Broker, () => withChip.dispose());
    track(without, Order.Broker, () => without.dispose());
    const real = await Service.start(config(await freePort(), { driver: 'auto' }), { env: withChip.env() });
    expect(await real.ready()).toMatchObject({ driver: 'libgpiod', chip: 'gpiochip0 (pinctrl-bcm2711)' });
    const simulated = await Service.start(config(await freePort(), { driver: 'auto' }), { env: without.env() });
    expect(await simulated.ready()).toMatchObject({ driver: 'sim' });
    expect(simulated.logs.find((l) => l['level'] === 'warn' && String(l['msg']).includes('using the simulated chip'))).toBeDefined();
  });
});
