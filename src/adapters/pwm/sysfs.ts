import * as E from 'fp-ts/Either';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DriverError, GpioDriver } from '../../core/driver';
import type { Either } from '../../core/either';
import type { Level, OutputSpec, PinSpec } from '../../core/model';
import type { HardwarePwm, PwmSetting } from '../../core/pwm';

/** Where the kernel shows its PWM chips. */
export const PWM_SYSFS = '/sys/class/pwm';

/** What the user does when the chip or channel is not there: the pin's PWM function is not enabled. */
export const OVERLAY_HINT =
  'the pin\'s PWM function is not enabled: on a Raspberry Pi 4 add dtoverlay=pwm (one channel: dtoverlay=pwm,pin=18,func=2) or dtoverlay=pwm-2chan ' +
  '(GPIO 18 and 19) to /boot/firmware/config.txt and reboot; on a Raspberry Pi 5 the same overlays enable the RP1\'s PWM (pwmchip of device 1f00098000.pwm, ' +
  'driver rp1-pwm) on GPIO 12, 13, 18 and 19. `ls /sys/class/pwm` lists the chips the kernel has';

/** One pwmchip as sysfs shows it, and the names it answers to. */
export interface PwmChipInfo {
  readonly name: string;
  readonly path: string;
  readonly npwm: number;
  /** `pwmchip0`, `0`, the device (`fe20c000.pwm`), the driver (`pwm-bcm2835`), the device tree's compatible strings. */
  readonly names: ReadonlyArray<string>;
}

const tryRead = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const tryBase = (path: string): string | undefined => {
  try {
    return basename(realpathSync(path));
  } catch {
    return undefined;
  }
};

/** The pwmchips under `root`, by number. */
export const listPwmChips = (root: string = PWM_SYSFS): PwmChipInfo[] => {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^pwmchip\d+$/.test(e))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))
    .map((name) => {
      const path = join(root, name);
      const compatible = (tryRead(join(path, 'device', 'of_node', 'compatible')) ?? '').split('\0').filter(Boolean);
      const names = [name, name.slice(7), tryBase(join(path, 'device')), tryBase(join(path, 'device', 'driver')), ...compatible].filter((n): n is string => n !== undefined && n !== '');
      return { name, path, npwm: Number((tryRead(join(path, 'npwm')) ?? '0').trim()), names };
    });
};

/** The chip `wanted` names, or why there is none (naming the overlay). */
export const choosePwmChip = (chips: ReadonlyArray<PwmChipInfo>, hw: HardwarePwm, pin: number, root: string = PWM_SYSFS): Either<string, PwmChipInfo> => {
  const chip = chips.find((c) => c.names.includes(hw.chip));
  const found = chips.length === 0 ? 'none' : chips.map((c) => `${c.name} (${c.names.slice(2).join(', ') || 'no device'}, ${c.npwm} channels)`).join('; ');
  if (chip === undefined) return E.left(`GPIO ${pin}: no PWM chip "${hw.chip}" under ${root} (found: ${found}): ${OVERLAY_HINT}`);
  if (hw.channel >= chip.npwm) return E.left(`GPIO ${pin}: ${chip.name} (${hw.chip}) has ${chip.npwm} channel${chip.npwm === 1 ? '' : 's'}, no channel ${hw.channel}: ${OVERLAY_HINT}`);
  return E.right(chip);
};

/**
 * The order of writes that takes a channel from `current` period to the new
 * one: the kernel refuses a duty cycle longer than the period at every step,
 * so the duty goes first when it shrinks below the current period, the
 * period first otherwise.
 */
export const writeOrder = (currentPeriodNs: number, periodNs: number, dutyNs: number): ReadonlyArray<'period' | 'duty_cycle'> =>
  dutyNs > currentPeriodNs ? ['period', 'duty_cycle'] : ['duty_cycle', 'period'];

/** A setting in the channel's terms: whole nanoseconds. */
export const channelTimes = (s: PwmSetting): { readonly periodNs: number; readonly dutyNs: number } => {
  const periodNs = Math.round(1e9 / s.frequency);
  return { periodNs, dutyNs: Math.round(periodNs * s.duty) };
};

export interface SysfsPwm {
  readonly pins: ReadonlyArray<number>;
  set(pin: number, setting: PwmSetting): Either<DriverError, PwmSetting>;
  /** Disables and unexports every channel it exported. */
  close(): void;
}

interface Channel {
  readonly pin: number;
  readonly dir: string;
  readonly exportedHere: boolean;
  readonly chip: PwmChipInfo;
  readonly channel: number;
}

/**
 * Hardware PWM through the kernel's sysfs interface (Documentation/ABI/testing/sysfs-class-pwm):
 * each channel exported (unless it already is), its polarity set for an
 * active-low output, then `period`, `duty_cycle` and `enable` written as
 * settings come. `root` is /sys/class/pwm, or a tree laid out like it (tests).
 * A missing chip or channel is a start-up error that names the overlay.
 */
export const openSysfsPwm = (outputs: ReadonlyArray<OutputSpec>, root: string = PWM_SYSFS): Either<string, SysfsPwm> => {
  const chips = listPwmChips(root);
  const channels = new Map<number, Channel>();
  const problems: string[] = [];
  for (const p of outputs) {
    const hw = p.pwm?.hardware;
    if (hw === undefined) continue;
    const chosen = choosePwmChip(chips, hw, p.pin, root);
    if (E.isLeft(chosen)) {
      problems.push(chosen.left);
      continue;
    }
    const chip = chosen.right;
    const dir = join(chip.path, `pwm${hw.channel}`);
    let exportedHere = false;
    try {
      if (!existsSync(dir)) {
        writeFileSync(join(chip.path, 'export'), String(hw.channel));
        exportedHere = true;
      }
      if (!existsSync(dir)) {
        problems.push(`GPIO ${p.pin}: writing ${hw.channel} to ${join(chip.path, 'export')} did not create ${dir}: ${OVERLAY_HINT}`);
        continue;
      }
      // Polarity only changes while the channel is disabled.
      writeFileSync(join(dir, 'enable'), '0');
      if (p.activeLow) writeFileSync(join(dir, 'polarity'), 'inversed');
    } catch (e) {
      problems.push(`GPIO ${p.pin}: ${chip.name} channel ${hw.channel}: ${(e as Error).message} (the service needs write access to ${chip.path}: run it as root or give its user the PWM files with a udev rule)`);
      continue;
    }
    channels.set(p.pin, { pin: p.pin, dir, exportedHere, chip, channel: hw.channel });
  }
  if (problems.length > 0) {
    closeChannels(channels.values());
    return E.left(problems.join('; '));
  }
  let closed = false;
  return E.right({
    pins: [...channels.keys()],
    set: (pin, setting) => {
      const c = channels.get(pin);
      if (c === undefined || closed) return E.left({ pin, message: closed ? 'the PWM channels are released' : `GPIO ${pin} has no hardware PWM channel` });
      return E.tryCatch(
        () => {
          const { periodNs, dutyNs } = channelTimes(setting);
          const current = Number((tryRead(join(c.dir, 'period')) ?? '0').trim()) || 0;
          for (const file of writeOrder(current, periodNs, dutyNs)) writeFileSync(join(c.dir, file), String(file === 'period' ? periodNs : dutyNs));
          writeFileSync(join(c.dir, 'enable'), '1');
          return setting;
        },
        (e) => ({ pin, message: `${c.chip.name}/pwm${c.channel}: ${(e as Error).message}` }),
      );
    },
    close: () => {
      if (closed) return;
      closed = true;
      closeChannels(channels.values());
    },
  });
};

const closeChannels = (channels: Iterable<Channel>): void => {
  for (const c of channels) {
    try {
      writeFileSync(join(c.dir, 'enable'), '0');
      if (c.exportedHere) writeFileSync(join(c.chip.path, 'unexport'), String(c.channel));
    } catch {
      // Best effort: a channel left exported is harmless, and the next start finds it.
    }
  }
};

/** The outputs whose PWM is hardware: not requested from the GPIO chip, whose line their pin no longer is. */
export const hardwarePwmPins = (pins: ReadonlyArray<PinSpec>): ReadonlyArray<OutputSpec> =>
  pins.filter((p): p is OutputSpec => p.direction === 'output' && p.pwm?.hardware !== undefined);

/**
 * A GPIO driver with some outputs run by hardware PWM channels instead of
 * GPIO lines: their writes are a duty of 0 or 1 on the channel, their PWM
 * settings go to it, and a read answers the level the channel holds (1
 * while the duty is above 0). Every other pin goes to `inner`.
 */
export const withHardwarePwm = (inner: GpioDriver, hw: SysfsPwm, specs: ReadonlyArray<OutputSpec>): GpioDriver => {
  const setting = new Map<number, PwmSetting>(specs.flatMap((p) => (p.pwm === undefined ? [] : [[p.pin, { frequency: p.pwm.frequency, duty: p.pwm.duty }] as const])));
  const level = (s: PwmSetting | undefined): Level => (s !== undefined && s.duty > 0 ? 1 : 0);
  const apply = (pin: number, s: PwmSetting): Either<DriverError, PwmSetting> => {
    const set = hw.set(pin, s);
    if (E.isRight(set)) setting.set(pin, set.right);
    return set;
  };
  return {
    kind: inner.kind,
    description: `${inner.description}, hardware PWM on GPIO ${hw.pins.join(', ')}`,
    inputs: inner.inputs,
    edgeInputs: inner.edgeInputs,
    readInputs: () => inner.readInputs(),
    edges: () => inner.edges(),
    read: (pin) => (setting.has(pin) ? E.right(level(setting.get(pin))) : inner.read(pin)),
    write: (pin, l) => {
      const s = setting.get(pin);
      if (s === undefined) return inner.write(pin, l);
      return E.map(() => l)(apply(pin, { frequency: s.frequency, duty: l }));
    },
    pwm: (pin, s) => (setting.has(pin) ? apply(pin, s) : inner.pwm === undefined ? E.left({ pin, message: `the ${inner.kind} driver has no PWM` }) : inner.pwm(pin, s)),
    close: () => {
      hw.close();
      inner.close();
    },
  };
};
