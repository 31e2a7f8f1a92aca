import { execFileSync } from 'node:child_process';
import { TestClient } from '../support/client';
import { cleanupAll, Order, sleep, track } from '../support/cleanup';
import { read } from '../support/config';
import { emulatedCpu, gpioSimUnavailable, GpioTrace, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// Issue 17, failsafe, on the real kernel: the built service (each hardware
// driver) on a gpio-sim chip, a real Mosquitto SIGKILLed and kept down. The
// line's level comes from gpio-sim's sysfs `value`, and the moment the kernel
// set it from gpiolib's gpio_value trace event, on CLOCK_MONOTONIC: the clock
// the test reads just before it sends the SIGKILL. The bound is the issue's:
// failsafeAfter + 100 ms. Runs under `npm run test:hardware` (spec/kernel is
// not part of `npm test`).
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);

// Sized for a VM under plain emulation, where node runs 10-50 times slower.
jest.setTimeout(300_000);
const READY_MS = 150_000;
const ANSWER_MS = 30_000;
afterEach(cleanupAll);

const THING = 'hw';
const LABEL = 'pinctrl-bcm2711';
const AFTER_MS = 2000;
const MS = 1_000_000n;
const BOUND_NS = BigInt(AFTER_MS + 100) * MS;

/**
 * Under plain emulation (QEMU's TCG, the hardware suite's VM where there is no
 * KVM), node runs 10-50 times slower: the service takes most of a second just
 * to see the broker's socket close, and over 100 ms more from its timer to the
 * write (measured: 2392-2859 ms from the kill, 2124-2158 ms from the loss it
 * saw, failsafeAfter 2000). The bound is checked from the kill on a Pi
 * or under KVM (and on the host, spec/integration/failsafe); under TCG the
 * test says it does not check it, prints the times, and checks the rest.
 */
const EMULATED = emulatedCpu();

const newChip = (): KernelGpioSim => {
  const chip = KernelGpioSim.create(LABEL, 58);
  track(chip, Order.Broker, async () => chip.dispose());
  return chip;
};

const config = (driver: 'libgpiod' | 'cdev', port: number) => ({
  thingName: THING,
  pins: [
    { pin: 17, direction: 'output', initial: 'high', failsafe: 'low', failsafeAfter: AFTER_MS },
    // Active-low: the failsafe's logical 1 is a low line.
    { pin: 18, direction: 'output', initial: 'low', activeLow: true, failsafe: 'high', failsafeAfter: AFTER_MS },
    { pin: 19, direction: 'output', initial: 'high', failsafe: 'keep' },
  ],
  mqtt: { url: `mqtt://127.0.0.1:${port}` },
  gpio: { driver },
});

describe.each(hardwareDrivers())(`failsafe levels (gpio.driver: %s) on the kernel's gpio-sim (Linux ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()})`, (driver) => {
  it('sets each failsafe line within failsafeAfter + 100 ms of the broker\'s SIGKILL, as the kernel timestamps it, and leaves the others', async () => {
    const chip = newChip();
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe([`gpio/${THING}/+/state`]);
    const service = await Service.start(config(driver, broker.port));
    await service.ready(READY_MS);
    expect([17, 18, 19].map((p) => chip.level(p))).toEqual([1, 1, 1]);

    const trace = GpioTrace.startMonotonic();
    track(trace, Order.Broker, async () => trace.stop());
    const killed = await broker.kill('SIGKILL');
    // Down past the failsafe's time, whatever the emulation's pace: the move is logged once made.
    await service.waitForLog((l) => l['pin'] === 18 && String(l['msg']).startsWith('failsafe: the broker connection has been lost'), ANSWER_MS + AFTER_MS);
    await sleep(500);
    expect([17, 18, 19].map((p) => chip.level(p))).toEqual([0, 0, 1]);

    const sets = trace.timedEvents().filter((e) => e.what === 'set');
    const firstSet = (offset: number) => sets.find((e) => e.gpio === chip.globalNumber(offset));
    // When the service saw the loss, from its log's wall-clock time, on CLOCK_MONOTONIC.
    const lost = service.logs.find((l) => String(l['msg']).startsWith('broker connection'));
    expect(lost).toBeDefined();
    const wallToMonoNs = BigInt(Date.now()) * MS - process.hrtime.bigint();
    const seenNs = BigInt(Date.parse(String(lost?.['time']))) * MS - wallToMonoNs;
    if (EMULATED) process.stdout.write('failsafe on the kernel: emulated CPU (QEMU TCG): the failsafeAfter + 100 ms bound is NOT checked here, only printed\n');
    for (const offset of [17, 18]) {
      const set = firstSet(offset);
      expect(set).toBeDefined();
      const ns = set?.ns ?? 0n;
      const figures = { offset, value: set?.value, fromKillMs: Number(ns - killed.monotonicNs) / 1e6, fromSeenLossMs: Number(ns - seenNs) / 1e6 };
      process.stdout.write(`failsafe on the kernel (${driver}${EMULATED ? ', emulated CPU' : ''}): ${JSON.stringify(figures)}\n`);
      // Never before failsafeAfter from the loss the service saw (2 ms for the log's ms), nor from the kill; within the bound.
      expect({ ...figures, early: ns - seenNs < BigInt(AFTER_MS - 2) * MS || ns - killed.monotonicNs < BigInt(AFTER_MS) * MS, late: !EMULATED && ns - killed.monotonicNs > BOUND_NS }).toEqual({
        ...figures,
        value: 0,
        early: false,
        late: false,
      });
    }
    // The kept line was not touched, and each failsafe line was set once.
    expect(sets.filter((e) => e.gpio === chip.globalNumber(19))).toEqual([]);
    expect(sets.filter((e) => e.gpio === chip.globalNumber(17) || e.gpio === chip.globalNumber(18)).length).toBe(2);

    // Back: the levels are reported as they are, not restored.
    await broker.restart();
    await service.waitForLog((l) => String(l['msg']).startsWith('failsafe: broker back') && l['pin'] === 18, ANSWER_MS);
    expect([await read(client, 17, THING), await read(client, 18, THING), await read(client, 19, THING)]).toEqual(['0', '1', '1']);
    expect([17, 18, 19].map((p) => chip.level(p))).toEqual([0, 0, 1]);
  });
});
