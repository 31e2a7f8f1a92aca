import * as E from 'fp-ts/Either';
import { release } from 'node:os';
import { firstValueFrom, from, take, toArray } from 'rxjs';
import { loadNativeAddon } from '../../src/adapters/gpio/native/addon';
import { openCdevDriver } from '../../src/adapters/gpio/cdev/driver';
import { openLibgpiodDriver } from '../../src/adapters/gpio/libgpiod/driver';
import type { KernelEdge as PortEdge } from '../../src/core/driver';
import type { PinSpec } from '../../src/core/model';
import { type EdgeOutput, edgesToLevels, type KernelEdge } from '../../src/streams/edges';
import { cleanupAll, Order, track } from '../support/cleanup';
import { DriverHost, resumeProcess, suspendProcess } from '../support/driver-host';
import { gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';

// The kernel's edge events through both drivers' reader thread (our addon),
// on gpio-sim (every change of a line's pull raises a real edge interrupt):
// every edge, in order, with CLOCK_MONOTONIC timestamps, and a queue that a
// burst overflows in a way a consumer can see. Under `npm run test:hardware`.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);
jest.setTimeout(120_000);
afterEach(cleanupAll);

const addon = (() => {
  const loaded = loadNativeAddon();
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  return loaded.right;
})();

const newChip = (): KernelGpioSim => {
  const chip = KernelGpioSim.create('edges', 16);
  track(chip, Order.Broker, async () => chip.dispose());
  return chip;
};

const edge = (pin: number, activeLow = false): PinSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow, edge: 'both' });

describe(`edge events from the kernel through the cdev driver (uAPI v2, its reader thread, Linux ${release()})`, () => {
  it('delivers every edge of two lines in order, with timestamps and sequence numbers, and releases the lines on close', async () => {
    const chip = newChip();
    const opened = openCdevDriver([edge(3), edge(4, true)], chip.label);
    if (E.isLeft(opened)) throw new Error(opened.left);
    const driver = opened.right;
    track(driver, Order.Client, async () => driver.close());
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 3).consumer).toBe('rpi-gpio-connector');
    const got = firstValueFrom(driver.edges().pipe(take(40), toArray()));
    const before = process.hrtime.bigint();
    // Subscribed (above): now press and release, 10 times each line.
    for (let i = 0; i < 10; i++) {
      chip.drive(3, 1);
      chip.drive(4, 1);
      chip.drive(3, 0);
      chip.drive(4, 0);
    }
    const events = await got;
    const after = process.hrtime.bigint();
    expect(events.map((e) => [e.pin, e.rising])).toEqual(
      Array.from({ length: 10 }, () => [[3, true], [4, false], [3, false], [4, true]]).flat(), // 4 is active-low: physical high is inactive
    );
    expect(events.map((e) => e.seqno)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (let i = 0; i < events.length; i++) {
      const t = (events[i] as KernelEdge).timestampNs;
      expect(t > before && t < after).toBe(true);
      if (i > 0) expect(t >= (events[i - 1] as KernelEdge).timestampNs).toBe(true);
    }
    // take(40) unsubscribed, which stopped the reader thread; close releases the lines.
    driver.close();
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 3).consumer).toBe('');
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 4).consumer).toBe('');
  });

  it('a burst larger than the kernel queue while the whole driver is stopped (SIGSTOP): the newest 1024 events arrive, and the gap in their sequence numbers says how many were dropped', async () => {
    const chip = newChip();
    const host = DriverHost.start({});
    const opened = await host.call<E.Either<string, unknown>>('open', { kind: 'cdev', pins: [edge(7)], chip: chip.label }, 30_000);
    expect(opened).toMatchObject({ _tag: 'Right' });
    await host.call('subscribeEdges');
    // 1300 changes from low (R F ... F) while no thread of the driver runs: the request's queue (1024, the kernel's largest) drops the oldest.
    const changes = 1300;
    await suspendProcess(host.pid);
    try {
      for (let i = 0; i < changes; i++) chip.drive(7, i % 2 === 0 ? 1 : 0);
    } finally {
      resumeProcess(host.pid);
    }
    type Item = { pin: number; rising: boolean; timestampNs: string; seqno: number };
    const received: Item[] = [];
    for (let quiet = 0, seen = -1; quiet < 10; seen = received.length) {
      received.push(...E.getOrElseW(() => [] as Item[])(await host.call<E.Either<unknown, Item[]>>('takeEdges')));
      await new Promise((r) => setTimeout(r, 100));
      quiet = received.length === seen && received.length > 0 ? quiet + 1 : 0;
    }
    expect(received).toHaveLength(1024);
    expect(received.map((e) => e.seqno)).toEqual(Array.from({ length: 1024 }, (_, i) => changes - 1024 + 1 + i));
    // The stream unit downstream tells the loss from those numbers alone.
    const edges = received.map((e): KernelEdge => ({ pin: e.pin, rising: e.rising, timestampNs: BigInt(e.timestampNs), seqno: e.seqno }));
    const out = await firstValueFrom(edgesToLevels(from(edges), { initial: new Map([[7, 0]]) }).pipe(toArray()));
    const gaps = out.filter((o): o is Extract<EdgeOutput, { _tag: 'Gap' }> => o._tag === 'Gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ missed: changes - 1024 });
    // What is kept ends where the line is: low.
    expect(out.filter((o) => o._tag === 'Level').at(-1)).toMatchObject({ pin: 7, level: 0 });
  });
});

// The libgpiod driver's edges() on the same kernel: node-libgpiod and the
// system's libgpiod 1.6.3 for the chip, libgpiod's own event API through our
// addon for the edge lines (uAPI v1: a request, an fd and a 16-event queue per line).
const libgpiodLoads = hardwareDrivers().includes('libgpiod');
if (!libgpiodLoads) console.log('spec/kernel/edges: node-libgpiod does not load here (libgpiod 2?): the libgpiod driver edge tests are not run');
(libgpiodLoads ? describe : describe.skip)(`edge events from the kernel through the libgpiod driver (uAPI v1, Linux ${release()})`, () => {
  const open = (chip: KernelGpioSim, pins: PinSpec[]) => {
    const opened = openLibgpiodDriver(pins, chip.label);
    if (E.isLeft(opened)) throw new Error(opened.left);
    track(opened.right, Order.Client, async () => opened.right.close());
    return opened.right;
  };
  const quiet = async (received: unknown[]) => {
    for (let still = 0, seen = -1; still < 10; seen = received.length) {
      await new Promise((r) => setTimeout(r, 100));
      still = received.length === seen && received.length > 0 ? still + 1 : 0;
    }
  };

  it('delivers every edge of two lines in order with timestamps, reads their levels, and releases them on close', async () => {
    const chip = newChip();
    const driver = open(chip, [edge(3), edge(4, true)]);
    expect(driver.edgeInputs).toEqual([3, 4]);
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 3).consumer).toBe('rpi-gpio-connector');
    const got = firstValueFrom(driver.edges().pipe(take(20), toArray()));
    const before = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) {
      chip.drive(3, 1);
      chip.drive(4, 1);
      chip.drive(3, 0);
      chip.drive(4, 0);
      // Each line's queue holds 16: let the event loop drain between rounds.
      await new Promise((r) => setTimeout(r, 20));
    }
    const events = await got;
    const after = process.hrtime.bigint();
    expect(events.map((e) => [e.pin, e.rising])).toEqual(Array.from({ length: 5 }, () => [[3, true], [4, false], [3, false], [4, true]]).flat());
    expect(events.every((e) => e.seqno === undefined)).toBe(true);
    for (let i = 0; i < events.length; i++) {
      const t = (events[i] as PortEdge).timestampNs;
      expect(t > before && t < after).toBe(true);
      if (i > 0) expect(t >= (events[i - 1] as PortEdge).timestampNs).toBe(true);
    }
    chip.drive(3, 1);
    expect(driver.read(3)).toEqual(E.right(1));
    expect(driver.read(4)).toEqual(E.right(1)); // active-low, physically low
    driver.close();
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 3).consumer).toBe('');
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 4).consumer).toBe('');
  });

  it('a burst of 41 changes while the event loop is busy: the reader thread reads them as they come; a loss (a full 16-event queue) shows as a lost edge with the level the line ended at', async () => {
    const chip = newChip();
    const driver = open(chip, [edge(7)]);
    const received: PortEdge[] = [];
    const sub = driver.edges().subscribe((e) => received.push(e));
    track(sub, Order.Client, async () => sub.unsubscribe());
    // 41 changes (ending high) while the event loop is busy here; the addon's thread is not.
    for (let i = 0; i < 41; i++) chip.drive(7, i % 2 === 0 ? 1 : 0);
    await quiet(received);
    const kept = received.filter((e) => e.lost !== true);
    const stamps = kept.map((e) => e.timestampNs);
    stamps.forEach((t, i) => i === 0 || expect(t >= (stamps[i - 1] as bigint)).toBe(true));
    if (received.some((e) => e.lost === true)) {
      // v1 numbers nothing: the line, read, says where the burst ended.
      expect(kept.length).toBeGreaterThanOrEqual(16);
      expect(kept.length).toBeLessThanOrEqual(41);
      expect(received.at(-1)).toMatchObject({ pin: 7, rising: true, lost: true });
    } else {
      expect(kept.map((e) => (e.rising ? 'R' : 'F')).join('')).toBe(`${'RF'.repeat(20)}R`);
    }
    const burst = received.length;
    chip.drive(7, 0);
    await quiet(received);
    expect(received).toHaveLength(burst + 1);
    expect(received.at(-1)).toMatchObject({ pin: 7, rising: false });
    expect(received.at(-1)?.lost).toBeUndefined();
  });

  it('a burst beyond the 16-event queue while the whole driver is stopped (SIGSTOP): 16 edges arrive, and the driver, finding the queue full, reports the level it reads as a lost edge', async () => {
    const chip = newChip();
    const host = DriverHost.start({});
    const opened = await host.call<E.Either<string, unknown>>('open', { kind: 'libgpiod', pins: [edge(7)], chip: chip.label }, 30_000);
    expect(opened).toMatchObject({ _tag: 'Right' });
    await host.call('subscribeEdges');
    await suspendProcess(host.pid);
    try {
      for (let i = 0; i < 41; i++) chip.drive(7, i % 2 === 0 ? 1 : 0);
    } finally {
      resumeProcess(host.pid);
    }
    type Item = { pin: number; rising: boolean; lost?: boolean };
    const got: Item[] = [];
    for (const deadline = Date.now() + 10_000; got.length < 17 && Date.now() < deadline; ) {
      got.push(...E.getOrElseW(() => [] as Item[])(await host.call<E.Either<unknown, Item[]>>('takeEdges')));
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 500));
    got.push(...E.getOrElseW(() => [] as Item[])(await host.call<E.Either<unknown, Item[]>>('takeEdges')));
    expect(got.map((e) => (e.rising ? 'R' : 'F')).join('')).toBe(`${'RF'.repeat(8)}R`);
    expect(got.slice(0, 16).some((e) => e.lost === true)).toBe(false);
    expect(got[16]).toMatchObject({ pin: 7, rising: true, lost: true });
  });
});
