import * as E from 'fp-ts/Either';
import type { Addon } from '../../src/adapters/gpio/libgpiod/addon';
import { openLibgpiodDriver } from '../../src/adapters/gpio/libgpiod/driver';
import type { PinSpec } from '../../src/core/model';
import { TestClient } from '../support/client';
import { DriverHost, resumeProcess, suspendProcess } from '../support/driver-host';
import { cleanupAll, Order, track } from '../support/cleanup';
import { read, request } from '../support/config';
import { GpiodStandin, parseDrive, type StandinChipSpec } from '../support/gpiod-standin';
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
    expect(service.logs.find((l) => l['msg'] === 'ready')?.['subscriptions']).toEqual(['gpio/t1/+/read', 'gpio/t1/+/write', 'gpio/t1/+/pulse', 'gpio/t1/read']);
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

// The libgpiod driver's edges() in a child process (spec/support/driver-host.ts):
// node-libgpiod for the polled lines, libgpiod 1.6's event API through our
// addon for the edge lines, all over the stand-in libgpiod.so.2.
describe('edge events on the libgpiod driver', () => {
  type Item = { pin: number; rising: boolean; timestampNs: string } | { error: string } | { complete: true };
  const edge = (pin: number, bias: 'as-is' | 'pull-up' | 'pull-down' = 'as-is'): PinSpec => ({ pin, direction: 'input', bias, activeLow: false, edge: 'both' });
  const open = async (pins: PinSpec[], chips: StandinChipSpec[] = [PI4], before: (s: GpiodStandin) => void = () => undefined) => {
    await GpiodStandin.build();
    const standin = await GpiodStandin.create(chips);
    track(standin, Order.Broker, () => standin.dispose());
    before(standin);
    const host = DriverHost.start(standin.env());
    const opened = await host.call<E.Either<string, { inputs: number[]; edgeInputs: number[] }>>('open', { kind: 'libgpiod', pins, chip: 'auto' });
    return { standin, host, opened };
  };
  const take = async (host: DriverHost, count: number): Promise<Item[]> => {
    const got: Item[] = [];
    for (const deadline = Date.now() + 5000; got.length < count && Date.now() < deadline; ) {
      got.push(...E.getOrElseW(() => [] as Item[])(await host.call<E.Either<unknown, Item[]>>('takeEdges')));
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 150));
    return [...got, ...E.getOrElseW(() => [] as Item[])(await host.call<E.Either<unknown, Item[]>>('takeEdges'))];
  };
  const dirs = (items: Item[]) => items.map((i) => ('pin' in i ? (i.rising ? 'R' : 'F') : JSON.stringify(i))).join('');

  const drivenOrThrow = (e: E.Either<unknown, string>) => parseDrive(E.getOrElseW((l) => { throw new Error(String(l)); })(e));

  it('a burst beyond the 16-event queue of uAPI v1 while the whole driver is stopped: the first 16 edges arrive, the rest are lost, and the driver, finding the queue full, reports the level it reads as a lost edge', async () => {
    const { standin, host, opened } = await open([edge(7, 'pull-down')]);
    expect(opened).toMatchObject({ _tag: 'Right', right: { inputs: [], edgeInputs: [7] } });
    await host.call('subscribeEdges');
    // 41 changes (R F ... R) while every thread of the driver's process is stopped, its reader thread too.
    await suspendProcess(host.pid);
    let burst;
    try {
      burst = standin.drive('gpiochip0', 7, 1, 41);
    } finally {
      resumeProcess(host.pid);
    }
    expect(burst).toMatchObject({ edges: 41, queued: 16, dropped: 25 });
    // Read at the reader thread's next wake-up: 16 edges, then the level read (high, where the burst ended), marked lost.
    const got = await take(host, 17);
    expect(dirs(got)).toBe(`${'RF'.repeat(8)}R`);
    expect(got.slice(0, 16).some((i) => 'lost' in i)).toBe(false);
    expect(got[16]).toMatchObject({ pin: 7, rising: true, lost: true });
    // The next real edge follows as usual.
    standin.setLevel('gpiochip0', 7, 0);
    expect(dirs(await take(host, 1))).toBe('F');
    // The kept edges are the burst's first 16: the first is stamped when it began.
    expect(BigInt((got[0] as { timestampNs: string }).timestampNs)).toBe(burst.firstNs);
    expect(standin.line('gpiochip0', 7)).toMatchObject({ queued: 17, dropped: 25, level: 0 });
  });

  it('loses no edge while the event loop is blocked: the reader thread empties the 16-event queue meanwhile', async () => {
    const { standin, host } = await open([edge(7, 'pull-down')]);
    await host.call('subscribeEdges');
    // 41 changes 200 µs apart (8 ms) while the driver's JS thread waits for the drive tool: nothing of it runs.
    const burst = drivenOrThrow(await host.call('runBlocking', standin.driveCommand('gpiochip0', 7, 1, 41, 200)));
    expect(burst).toMatchObject({ edges: 41, queued: 41, dropped: 0 });
    const got = await take(host, 41);
    expect(dirs(got)).toBe(`${'RF'.repeat(20)}R`);
    expect(got.some((i) => 'lost' in i)).toBe(false);
    expect(BigInt((got[0] as { timestampNs: string }).timestampNs)).toBe(burst.firstNs);
    expect(BigInt((got[40] as { timestampNs: string }).timestampNs)).toBe(burst.lastNs);
  });

  it('reads every edge line with one thread, started on subscription and ended on unsubscribe and on close', async () => {
    const { standin, host } = await open([edge(5), edge(6), edge(7)]);
    const before = host.threads();
    await host.call('subscribeEdges');
    expect(host.threads()).toBe(before + 1);
    standin.setLevel('gpiochip0', 6, 1);
    expect(dirs(await take(host, 1))).toBe('R');
    await host.call('unsubscribeEdges');
    expect(host.threads()).toBe(before);
    await host.call('subscribeEdges');
    expect(host.threads()).toBe(before + 1);
    standin.setLevel('gpiochip0', 6, 0);
    expect(dirs(await take(host, 1))).toBe('F');
    await host.call('close');
    expect(host.threads()).toBe(before);
    for (const n of [5, 6, 7]) expect({ n, requested: standin.line('gpiochip0', n).requested }).toEqual({ n, requested: false });
  });

  it('merges the lines of one wake-up in timestamp order, though each line has its own queue', async () => {
    const { standin, host } = await open([edge(6), edge(7)]);
    await host.call('subscribeEdges');
    const steps: Array<[number, 0 | 1]> = [[6, 1], [7, 1], [6, 0], [7, 0], [7, 1], [6, 1]];
    // All six while the driver is stopped: its reader thread's next wake-up finds both lines' queues holding edges.
    await suspendProcess(host.pid);
    try {
      for (const [pin, level] of steps) standin.drive('gpiochip0', pin, level);
    } finally {
      resumeProcess(host.pid);
    }
    const got = await take(host, 6);
    expect(got.map((i) => ('pin' in i ? `${i.pin}${i.rising ? 'R' : 'F'}` : JSON.stringify(i)))).toEqual(['6R', '7R', '6F', '7F', '7R', '6R']);
  });

  it('holds each edge line in a request of its own under rpi-gpio-connector, and releases every line on close', async () => {
    const { standin, host, opened } = await open([{ pin: 5, direction: 'input', bias: 'as-is', activeLow: false }, edge(6), edge(7, 'pull-up'), { pin: 8, direction: 'output', initial: 0, activeLow: false }]);
    expect(opened).toMatchObject({ _tag: 'Right', right: { inputs: [5], edgeInputs: [6, 7] } });
    const line = (n: number) => standin.line('gpiochip0', n);
    for (const n of [6, 7]) expect(line(n)).toMatchObject({ requested: true, ownerAlive: true, consumer: 'rpi-gpio-connector', events: 'both', direction: 'input' });
    expect(line(7)).toMatchObject({ level: 1, flags: expect.objectContaining({ biasPullUp: true }) });
    expect(line(6).handle).not.toBe(line(7).handle);
    expect(line(5)).toMatchObject({ requested: true, events: 'none' });
    await host.call('subscribeEdges');
    standin.setLevel('gpiochip0', 6, 1);
    expect(dirs(await take(host, 1))).toBe('R');
    expect(await host.call('read', { pin: 7 })).toEqual({ _tag: 'Right', right: 1 });
    await host.call('unsubscribeEdges');
    await host.call('close');
    for (const n of [5, 6, 7, 8]) expect({ n, requested: line(n).requested }).toEqual({ n, requested: false });
    expect(standin.events().filter((e) => /^release chip=gpiochip0 offset=[67] /.test(e))).toHaveLength(2);
    expect(await host.call('read', { pin: 6 })).toMatchObject({ _tag: 'Left' });
  });

  it('stops at start-up on an edge line held by another program, naming it, and releases what it had requested', async () => {
    const { standin, opened } = await open([{ pin: 5, direction: 'input', bias: 'as-is', activeLow: false }, edge(6), edge(7)], [PI4], (s) => s.hold('gpiochip0', 7, 'pigpiod'));
    expect(opened).toEqual({ _tag: 'Left', left: expect.stringContaining('GPIO 7 on gpiochip0 is busy: it is held by "pigpiod"') });
    expect(standin.lines('gpiochip0').filter((l) => l.consumer === 'rpi-gpio-connector')).toEqual([]);
  });

  it('says the kernel refused the bias of an edge line on a kernel before 5.5', async () => {
    const { opened } = await open([edge(6, 'pull-up')], [{ ...PI4, bias: false }]);
    expect(opened).toEqual({ _tag: 'Left', left: expect.stringMatching(/GPIO 6 on gpiochip0: the kernel refused the pull-up\/pull-down bias/) });
  });

  it('without our addon, refuses edge inputs before touching a line and says how to fix it', () => {
    const notBuilt = () => E.left('the GPIO character-device addon is not built (Cannot find module): install a C compiler (apt-get install build-essential) and run npm install again');
    const opened = openLibgpiodDriver([edge(6), edge(9)], 'auto', () => E.right({} as Addon), notBuilt);
    expect(opened).toEqual(E.left(expect.stringMatching(/^edge events through libgpiod are read by our addon, and the GPIO character-device addon is not built .*build-essential.*npm install again, or set edge: none for GPIO 6, 9$/)));
  });
});
