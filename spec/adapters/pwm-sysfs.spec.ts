import * as E from 'fp-ts/Either';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import { listPwmChips, openSysfsPwm, withHardwarePwm, writeOrder } from '../../src/adapters/pwm/sysfs';
import type { OutputSpec } from '../../src/core/model';

// The hardware PWM adapter against a directory tree laid out like
// /sys/class/pwm (there is no PWM hardware, and no PWM simulator, here): what
// it writes, in which files, and the start-up errors it gives. Real hardware
// PWM is untested here (README, "PWM").
describe('hardware PWM through sysfs (a tree laid out like /sys/class/pwm)', () => {
  let base: string;
  let root: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'pwm-sysfs-'));
    root = join(base, 'class', 'pwm');
    mkdirSync(root, { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** A pwmchip as a Pi 4's (`dtoverlay=pwm-2chan`) or a Pi 5's RP1 shows it: its device, driver and compatible string. */
  const chip = (n: number, device: string, driver: string, compatible: string, npwm: number, exported: number[] = []): string => {
    const dev = join(base, 'devices', 'platform', device);
    mkdirSync(join(dev, 'of_node'), { recursive: true });
    mkdirSync(join(base, 'drivers', driver), { recursive: true });
    symlinkSync(join(base, 'drivers', driver), join(dev, 'driver'));
    writeFileSync(join(dev, 'of_node', 'compatible'), `${compatible}\0`);
    const path = join(root, `pwmchip${n}`);
    mkdirSync(path);
    symlinkSync(dev, join(path, 'device'));
    writeFileSync(join(path, 'npwm'), `${npwm}\n`);
    writeFileSync(join(path, 'export'), '');
    writeFileSync(join(path, 'unexport'), '');
    for (const c of exported) {
      mkdirSync(join(path, `pwm${c}`));
      for (const f of ['period', 'duty_cycle', 'enable', 'polarity']) writeFileSync(join(path, `pwm${c}`, f), f === 'polarity' ? 'normal\n' : '0\n');
    }
    return path;
  };
  const out = (pin: number, hw: { chip: string; channel: number }, activeLow = false, frequency = 1000, duty = 0): OutputSpec => ({
    pin,
    direction: 'output',
    initial: 0,
    activeLow,
    pwm: { frequency, duty, hardware: hw },
  });
  const file = (path: string): string => readFileSync(path, 'utf8').trim();

  it('lists each chip with the names it answers to: pwmchipN, N, its device, its driver, its compatible strings', () => {
    chip(0, 'fe20c000.pwm', 'pwm-bcm2835', 'brcm,bcm2835-pwm', 2);
    chip(2, '1f00098000.pwm', 'rp1-pwm', 'raspberrypi,rp1-pwm', 4);
    expect(listPwmChips(root).map((c) => [c.name, c.npwm, c.names])).toEqual([
      ['pwmchip0', 2, ['pwmchip0', '0', 'fe20c000.pwm', 'pwm-bcm2835', 'brcm,bcm2835-pwm']],
      ['pwmchip2', 4, ['pwmchip2', '2', '1f00098000.pwm', 'rp1-pwm', 'raspberrypi,rp1-pwm']],
    ]);
  });

  it('chooses the chip by its driver, sets polarity for an active-low output, and writes period, duty and enable', () => {
    const path = chip(2, '1f00098000.pwm', 'rp1-pwm', 'raspberrypi,rp1-pwm', 4, [1]);
    const hw = openSysfsPwm([out(13, { chip: 'rp1-pwm', channel: 1 }, true)], root);
    if (E.isLeft(hw)) throw new Error(hw.left);
    // Already exported (by an earlier run): not exported again.
    expect(file(join(path, 'export'))).toBe('');
    expect(file(join(path, 'pwm1', 'polarity'))).toBe('inversed');
    expect(hw.right.set(13, { frequency: 25_000, duty: 0.4 })).toEqual(E.right({ frequency: 25_000, duty: 0.4 }));
    expect([file(join(path, 'pwm1', 'period')), file(join(path, 'pwm1', 'duty_cycle')), file(join(path, 'pwm1', 'enable'))]).toEqual(['40000', '16000', '1']);
    hw.right.close();
    expect(file(join(path, 'pwm1', 'enable'))).toBe('0');
    // Not exported here: left exported.
    expect(file(join(path, 'unexport'))).toBe('');
  });

  it('exports a channel that is not, and says so when the kernel made no channel of it, naming the overlay', () => {
    const path = chip(0, 'fe20c000.pwm', 'pwm-bcm2835', 'brcm,bcm2835-pwm', 2);
    const hw = openSysfsPwm([out(18, { chip: 'pwmchip0', channel: 0 })], root);
    expect(file(join(path, 'export'))).toBe('0');
    expect(E.isLeft(hw) && hw.left).toMatch(/^GPIO 18: writing 0 to .*pwmchip0\/export did not create .*pwmchip0\/pwm0: the pin's PWM function is not enabled: on a Raspberry Pi 4 add dtoverlay=pwm/);
  });

  it('refuses a chip that is not there, and a channel beyond the chip\'s, naming the overlay and what was found', () => {
    chip(0, 'fe20c000.pwm', 'pwm-bcm2835', 'brcm,bcm2835-pwm', 2, [0, 1]);
    const none = openSysfsPwm([out(12, { chip: 'rp1-pwm', channel: 0 })], root);
    expect(E.isLeft(none) && none.left).toMatch(
      /^GPIO 12: no PWM chip "rp1-pwm" under .* \(found: pwmchip0 \(fe20c000\.pwm, pwm-bcm2835, brcm,bcm2835-pwm, 2 channels\)\): the pin's PWM function is not enabled: on a Raspberry Pi 4 add dtoverlay=pwm .* on a Raspberry Pi 5 /,
    );
    const beyond = openSysfsPwm([out(19, { chip: 'pwm-bcm2835', channel: 3 })], root);
    expect(E.isLeft(beyond) && beyond.left).toMatch(/^GPIO 19: pwmchip0 \(pwm-bcm2835\) has 2 channels, no channel 3: the pin's PWM function is not enabled/);
    const empty = openSysfsPwm([out(12, { chip: 'pwmchip0', channel: 0 })], join(base, 'nowhere'));
    expect(E.isLeft(empty) && empty.left).toMatch(/found: none/);
  });

  it('writes the duty first when it would not fit the current period, the period first otherwise', () => {
    expect(writeOrder(0, 1_000_000, 250_000)).toEqual(['period', 'duty_cycle']);
    expect(writeOrder(1_000_000, 40_000, 16_000)).toEqual(['duty_cycle', 'period']);
    expect(writeOrder(40_000, 1_000_000, 900_000)).toEqual(['period', 'duty_cycle']);
  });

  it('runs a hardware PWM output next to the GPIO driver\'s pins: a write is a duty of 0 or 1 on the channel, a read the level it holds', () => {
    const path = chip(0, 'fe20c000.pwm', 'pwm-bcm2835', 'brcm,bcm2835-pwm', 2, [0]);
    const spec = out(18, { chip: 'brcm,bcm2835-pwm', channel: 0 }, false, 1000, 0.25);
    const plain: OutputSpec = { pin: 8, direction: 'output', initial: 0, activeLow: false };
    const inner = openSimDriver([plain]);
    const hw = openSysfsPwm([spec], root);
    if (E.isLeft(inner) || E.isLeft(hw)) throw new Error('open failed');
    const driver = withHardwarePwm(inner.right, hw.right, [spec]);
    expect(driver.pwm?.(18, { frequency: 1000, duty: 0.25 })).toEqual(E.right({ frequency: 1000, duty: 0.25 }));
    expect(file(join(path, 'pwm0', 'duty_cycle'))).toBe('250000');
    expect(driver.write(18, 1)).toEqual(E.right(1));
    expect([file(join(path, 'pwm0', 'period')), file(join(path, 'pwm0', 'duty_cycle'))]).toEqual(['1000000', '1000000']);
    expect(driver.read(18)).toEqual(E.right(1));
    expect(driver.write(18, 0)).toEqual(E.right(0));
    expect(file(join(path, 'pwm0', 'duty_cycle'))).toBe('0');
    expect(driver.read(18)).toEqual(E.right(0));
    // The GPIO chip's own pin is the inner driver's.
    expect(driver.write(8, 1)).toEqual(E.right(1));
    expect(inner.right.lineLevel(8)).toBe(1);
    driver.close();
    expect(file(join(path, 'pwm0', 'enable'))).toBe('0');
    expect(E.isLeft(driver.pwm?.(18, { frequency: 1000, duty: 0.5 }) ?? E.right(0))).toBe(true);
  });
});
