import * as E from 'fp-ts/Either';
import { readdirSync } from 'node:fs';
import { loadNativeAddon, type NativeAddon, V2Flag } from '../../src/adapters/gpio/native/addon';
import { cleanupAll, Order, track } from '../support/cleanup';
import { gpioSimUnavailable, KernelGpioSim } from '../support/gpio-sim';
import { measurePwm, setEdges, startValueTrace, stopValueTrace } from '../support/pwm-trace';

// The addon's software PWM thread (native/pwm.c) on real lines of the
// kernel's gpio-sim, measured from gpiolib's `gpio_value` trace events: two
// lines at once from one thread, a duty changed while running, a stop that
// leaves the line alone, and the thread ended and the lines released on
// close. Runs under `npm run test:hardware`.
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);
jest.setTimeout(300_000);
afterEach(cleanupAll);

const addon = ((): NativeAddon => {
  const loaded = loadNativeAddon();
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  return loaded.right;
})();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const threads = (): number => readdirSync('/proc/self/task').length;
/** High and low times of one period, in ns. */
const times = (hz: number, duty: number): [number, number] => {
  const period = Math.round(1e9 / hz);
  const high = Math.round(period * duty);
  return [high, period - high];
};

describe('the addon\'s PWM thread on the kernel\'s gpio-sim', () => {
  it('runs two lines at once from one thread, takes a new duty while running, stops, and ends on close with the lines released', async () => {
    const chip = KernelGpioSim.create('pwm-test', 8);
    track(chip, Order.Broker, async () => chip.dispose());
    const path = `/dev/${chip.chipName}`;
    const fd = addon.request(path, [2, 5], 'pwm-spec', V2Flag.OUTPUT, [], 0);
    let closed = false;
    track({}, Order.Service, async () => {
      if (!closed) addon.close(fd);
    });
    const before = threads();
    const pwm = addon.pwmOpen(fd);
    expect(threads()).toBe(before + 1);

    addon.pwmSet(pwm, 0, ...times(50, 0.3));
    addon.pwmSet(pwm, 1, ...times(20, 0.5));
    await sleep(100);
    startValueTrace();
    await sleep(2000);
    stopValueTrace();
    const a = measurePwm(setEdges(chip.globalNumber(2)), 50);
    const b = measurePwm(setEdges(chip.globalNumber(5)), 20);
    process.stdout.write(`two lines, one thread: ${JSON.stringify({ a, b })}\n`);
    expect(Math.abs(a.frequency - 50) / 50).toBeLessThan(0.01);
    expect(Math.abs(a.duty - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(b.frequency - 20) / 20).toBeLessThan(0.01);
    expect(Math.abs(b.duty - 0.5)).toBeLessThan(0.01);

    // A new duty while running: taken at the line's next edge.
    addon.pwmSet(pwm, 0, ...times(50, 0.8));
    await sleep(100);
    startValueTrace();
    await sleep(1500);
    stopValueTrace();
    const c = measurePwm(setEdges(chip.globalNumber(2)), 50);
    expect(Math.abs(c.duty - 0.8)).toBeLessThan(0.01);

    // Stopped: the thread sets line 2 no more, and line 5 runs on.
    addon.pwmStop(pwm, 0);
    addon.setValues(fd, [0], [0]);
    startValueTrace();
    await sleep(500);
    stopValueTrace();
    expect(setEdges(chip.globalNumber(2))).toEqual([]);
    expect(setEdges(chip.globalNumber(5)).length).toBeGreaterThan(5);
    expect(chip.level(2)).toBe(0);

    // A duty of 1 holds line 5 high, with no edge after.
    addon.pwmSet(pwm, 1, ...times(20, 1));
    startValueTrace();
    await sleep(300);
    stopValueTrace();
    expect(setEdges(chip.globalNumber(5)).map((e) => e.value)).toEqual([]);
    expect(chip.level(5)).toBe(1);

    // Close: the thread ends; then the request's fd closes and the lines are free.
    addon.pwmSet(pwm, 0, ...times(100, 0.5));
    addon.pwmClose(pwm);
    expect(threads()).toBe(before);
    startValueTrace();
    await sleep(200);
    stopValueTrace();
    expect(setEdges(chip.globalNumber(2))).toEqual([]);
    addon.close(fd);
    closed = true;
    expect(addon.lineInfo(path, 2).flags & V2Flag.USED).toBe(0);
    expect(addon.lineInfo(path, 5).flags & V2Flag.USED).toBe(0);
  });
});
