import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { gpioSimUnavailable, GpioTrace, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { interlockViolations, type LineSet } from '../support/interlock-trace';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// Interlocks proven on the real kernel: the built service (node dist/main.js)
// on a gpio-sim chip, a real Mosquitto, a group of three outputs and a fuzzed,
// seeded (reproducible) sequence of 1,000 writes, pulses and PWM commands to it (one of them a PWM output). gpiolib's
// trace events (events/gpio/gpio_value, on the monotonic trace clock) are the
// kernel's own record of every level set: from them, no instant with two
// lines of the group high, and never less than `interlockDelay` between one
// going low and another going high. The same analysis must find overlaps when
// the service runs the same commands without the interlock.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);

// Sized for a VM under plain emulation, where node runs 10-50 times slower.
jest.setTimeout(900_000);
const READY_MS = 150_000;
const ANSWER_MS = 60_000;
afterEach(cleanupAll);

const THING = 'il';
const LABEL = 'pinctrl-bcm2711';
const GROUP = [20, 21, 22];
const DELAY_MS = 20;
const SEED = 20261206;
const TRACEFS = '/sys/kernel/tracing';
// The uAPI v2 addon where it loads (the service's default on Linux 5.10+), else node-libgpiod.
const DRIVER = hardwareDrivers().includes('cdev') ? 'cdev' : 'libgpiod';

/** A small seeded generator (a 32-bit LCG): the same seed, the same 1,000 commands. */
const lcg = (seed: number) => {
  let s = seed >>> 0;
  return (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
};

/** Pin 22 runs software PWM (the cdev driver's thread; libgpiod has none): its PWM commands join the fuzz. */
const PWM_PIN = 22;
const PWM = DRIVER === 'cdev';

interface Command {
  readonly pin: number;
  readonly topic: 'write' | 'pulse' | 'pwm';
  readonly payload: string;
  /** A pause before the next one, in ms: some shorter than the dead time, some longer. */
  readonly pauseMs: number;
}

const commands = (n: number, seed: number): Command[] => {
  const next = lcg(seed);
  return Array.from({ length: n }, () => {
    const pin = GROUP[next(GROUP.length)] as number;
    const kind = next(5); // writes of 1 twice as likely as writes of 0 and pulses
    const pauseMs = next(4) === 0 ? 0 : next(3 * DELAY_MS);
    // The PWM pin's writes of 1 are PWM commands half the time: a duty of 0, 25, 50 or 75 % at 200 Hz (its line toggling on its own).
    // (The generator's top bits: its low bits repeat with a short period.)
    if (PWM && pin === PWM_PIN && kind < 2 && next(2 ** 32) >= 2 ** 31) return { pin, topic: 'pwm', payload: JSON.stringify({ duty: Math.floor(next(2 ** 32) / 2 ** 30) / 4 }), pauseMs };
    if (kind < 2) return { pin, topic: 'write', payload: '1', pauseMs };
    if (kind === 2) return { pin, topic: 'write', payload: '0', pauseMs };
    return { pin, topic: 'pulse', payload: String(1 + next(4 * DELAY_MS)), pauseMs };
  });
};

/** gpiolib's value sets, with their kernel time in ms (the trace prints seconds to the microsecond). */
const tracedSets = (chip: KernelGpioSim): LineSet[] => {
  const byGlobal = new Map(GROUP.map((p) => [chip.globalNumber(p), p]));
  const sets: LineSet[] = [];
  for (const line of readFileSync(join(TRACEFS, 'trace'), 'utf8').split('\n')) {
    const m = /\s(\d+)\.(\d{6}): gpio_value: (\d+) set (\d)/.exec(line);
    const pin = m === null ? undefined : byGlobal.get(Number(m[3]));
    if (m === null || pin === undefined) continue;
    sets.push({ t: Number(m[1]) * 1000 + Number(m[2]) / 1000, pin, level: m[4] === '1' ? 1 : 0 });
  }
  return sets;
};

/** The trace on the monotonic clock (the one performance.now() reads), put back as it was after the test. */
const monotonicTrace = (): GpioTrace => {
  const clockFile = join(TRACEFS, 'trace_clock');
  const before = /\[(\w+)\]/.exec(readFileSync(clockFile, 'utf8'))?.[1] ?? 'local';
  writeFileSync(clockFile, 'mono');
  const restore = { clockFile };
  track(restore, Order.Broker, async () => writeFileSync(clockFile, before));
  // Enough room for a few thousand events whatever the default.
  writeFileSync(join(TRACEFS, 'buffer_size_kb'), '8192');
  const trace = GpioTrace.start();
  track(trace, Order.Broker, async () => trace.stop());
  return trace;
};

/** Runs the commands through a service with (or without) the interlock; the group's traced level sets. */
const fuzz = async (cmds: ReadonlyArray<Command>, interlocked: boolean) => {
  const chip = KernelGpioSim.create(LABEL, 58);
  track(chip, Order.Broker, async () => chip.dispose());
  const trace = monotonicTrace();
  const broker = await Mosquitto.start();
  const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
  await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`]);
  const service = await Service.start({
    thingName: THING,
    // 20 starts high: the start-up level is part of what the trace must show safe.
    OutputGpios: PWM ? '20H,21L' : '20H,21L,22',
    ...(PWM ? { pins: [{ pin: PWM_PIN, direction: 'output', pwm: { frequency: 200, duty: 0 } }] } : {}),
    ...(interlocked ? { interlocks: [GROUP], interlockDelay: DELAY_MS } : {}),
    mqtt: { url: `mqtt://127.0.0.1:${broker.port}` },
    gpio: { driver: DRIVER },
  });
  expect(await service.ready(READY_MS)).toMatchObject({ driver: DRIVER });
  for (const c of cmds) {
    await client.publish(`gpio/${THING}/${c.pin}/${c.topic}`, c.payload);
    if (c.pauseMs > 0) await new Promise((r) => setTimeout(r, c.pauseMs));
  }
  // A last write of 0 to each: their answers come after every earlier one (one connection, in order).
  for (const p of GROUP) client.drain(`gpio/${THING}/${p}/state`);
  for (const p of GROUP) await client.publish(`gpio/${THING}/${p}/write`, '0');
  for (const p of GROUP) await client.until(`gpio/${THING}/${p}/state`, (m) => m.payload === '0', ANSWER_MS);
  await new Promise((r) => setTimeout(r, 1000));
  service.kill('SIGTERM');
  expect(await service.waitForExit(60_000)).toEqual({ code: 0, signal: null });
  trace.stop();
  const errors = client.received.filter((m) => m.topic === `gpio/${THING}/error`).map((m) => JSON.parse(m.payload) as { error: string });
  return { sets: tracedSets(chip), errors };
};

describe(`interlocks on the kernel's gpio-sim (gpio.driver: ${DRIVER}), a group of 3 outputs, ${DELAY_MS} ms dead time`, () => {
  it(`1,000 fuzzed writes, pulses${PWM ? ' and PWM commands (pin 22 at 200 Hz)' : ' (no PWM: the libgpiod driver has none)'} (seed 20261206): never two lines of the group high, the dead time always kept`, async () => {
    const cmds = commands(1000, SEED);
    if (PWM) expect(cmds.filter((c) => c.topic === 'pwm').length).toBeGreaterThan(50);
    const { sets, errors } = await fuzz(cmds, true);
    const ons = sets.filter((s) => s.level === 1).length;
    // Tolerance: the trace prints microseconds, so a gap can read up to 1 µs short.
    const violations = interlockViolations(sets, [GROUP], DELAY_MS - 0.001);
    // The lines' first level comes from the line request (20 high): the trace has it as a set.
    process.stdout.write(
      `interlock fuzz: ${cmds.length} commands (${cmds.filter((c) => c.topic === 'pwm').length} PWM), ${sets.length} traced sets (${ons} to high), ${errors.length} interlock answers on the error topic, ${violations.length} violations\n`,
    );
    expect(errors.every((e) => e.error === 'Interlock')).toBe(true);
    expect(violations).toEqual([]);
    // Not a vacuous pass: many switches happened, and many a switch-on came soon after another line's off (the dead time was what held it).
    expect(ons).toBeGreaterThan(100);
    const gaps: number[] = [];
    const lastOff = new Map<number, number>();
    const level = new Map<number, number>();
    for (const s of [...sets].sort((a, b) => a.t - b.t)) {
      if ((level.get(s.pin) ?? 0) === s.level) continue;
      level.set(s.pin, s.level);
      if (s.level === 0) lastOff.set(s.pin, s.t);
      else {
        const others = GROUP.filter((p) => p !== s.pin).map((p) => lastOff.get(p) ?? -Infinity);
        gaps.push(s.t - Math.max(...others));
      }
    }
    const tight = gaps.filter((g) => g < 2 * DELAY_MS);
    process.stdout.write(`interlock fuzz: smallest gap low -> another high ${Math.min(...gaps).toFixed(3)} ms; ${tight.length} gaps under ${2 * DELAY_MS} ms\n`);
    expect(tight.length).toBeGreaterThan(20);
  });

  it('must fail: the same analysis finds overlaps when the same commands run without the interlock', async () => {
    const { sets } = await fuzz(commands(150, SEED), false);
    const violations = interlockViolations(sets, [GROUP], DELAY_MS - 0.001);
    process.stdout.write(`without the interlock: ${violations.filter((v) => v.kind === 'overlap').length} overlaps, ${violations.filter((v) => v.kind === 'dead-time').length} short dead times\n`);
    expect(violations.filter((v) => v.kind === 'overlap').length).toBeGreaterThan(0);
  });
});
