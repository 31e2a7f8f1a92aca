import * as E from 'fp-ts/Either';
import { firstValueFrom, take, toArray } from 'rxjs';
import { loadCdevAddon } from '../../src/adapters/gpio/cdev/addon';
import { watchEdges } from '../../src/adapters/gpio/cdev/edges';
import { type EdgeOutput, edgesToLevels, type KernelEdge } from '../../src/streams/edges';
import { cleanupAll, Order, track } from '../support/cleanup';
import { gpioSimUnavailable, KernelGpioSim } from '../support/gpio-sim';

// The kernel's edge events through our uAPI v2 addon, on gpio-sim (every
// change of a line's pull raises a real edge interrupt): every edge, in
// order, with CLOCK_MONOTONIC timestamps, and a queue that a burst overflows
// in a way a consumer can see. Under `npm run test:hardware`.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);
jest.setTimeout(120_000);
afterEach(cleanupAll);

const addon = (() => {
  const loaded = loadCdevAddon();
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  return loaded.right;
})();

const newChip = (): KernelGpioSim => {
  const chip = KernelGpioSim.create('edges', 16);
  track(chip, Order.Broker, async () => chip.dispose());
  return chip;
};

describe(`edge events from the kernel through the uAPI v2 addon (Linux ${require('node:os').release()})`, () => {
  it('delivers every edge of two lines in order, with timestamps and sequence numbers, and releases the lines when unsubscribed', async () => {
    const chip = newChip();
    const lines = [
      { pin: 3, bias: 'pull-down' as const, activeLow: false },
      { pin: 4, bias: 'pull-down' as const, activeLow: true },
    ];
    const edges$ = watchEdges(lines, { addon, chipPath: `/dev/${chip.chipName}`, bufferSize: 256 });
    const got = firstValueFrom(edges$.pipe(take(40), toArray()));
    const before = process.hrtime.bigint();
    // The request is made on subscription (above); now press and release, 10 times each line.
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
    // take(40) unsubscribed: the lines are free again.
    expect(addon.lineInfo(`/dev/${chip.chipName}`, 3).consumer).toBe('');
  });

  it('a burst larger than the kernel queue: the newest events arrive, and the gap says how many were dropped', async () => {
    const chip = newChip();
    const received: EdgeOutput[] = [];
    const sub = edgesToLevels(watchEdges([{ pin: 7, bias: 'pull-down', activeLow: false }], { addon, chipPath: `/dev/${chip.chipName}`, bufferSize: 16 }), {
      initial: new Map([[7, 0]]),
    }).subscribe((o) => received.push(o));
    track(sub, Order.Client, async () => sub.unsubscribe());
    // 200 edges while the event loop is busy here: the kernel queues 16 and drops the rest.
    for (let i = 0; i < 100; i++) {
      chip.drive(7, 1);
      chip.drive(7, 0);
    }
    // Until the queue is drained: edges have arrived and no more came for a second.
    for (let quiet = 0, seen = -1; quiet < 10; seen = received.length) {
      await new Promise((r) => setTimeout(r, 100));
      quiet = received.length === seen && received.length > 1 ? quiet + 1 : 0;
    }
    const gaps = received.filter((o) => o._tag === 'Gap');
    const levels = received.filter((o) => o._tag === 'Level');
    expect(gaps).toHaveLength(1);
    const kept = levels.length - 1; // the first is the initial level
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(200);
    expect(gaps[0]).toMatchObject({ _tag: 'Gap', missed: 200 - kept });
    // What is kept ends where the line is: low.
    expect(levels[levels.length - 1]).toMatchObject({ pin: 7, level: 0 });
  });
});
