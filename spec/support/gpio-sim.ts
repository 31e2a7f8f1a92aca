import * as E from 'fp-ts/Either';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeAddon } from '../../src/adapters/gpio/native/addon';
import { loadAddon } from '../../src/adapters/gpio/libgpiod/addon';

/** Where the kernel's gpio-sim module shows its configfs tree. */
export const GPIO_SIM_CONFIGFS = '/sys/kernel/config/gpio-sim';

/** Why the kernel's gpio-sim cannot be used here, or undefined when it can. */
export const gpioSimUnavailable = (): string | undefined => {
  if (!existsSync(GPIO_SIM_CONFIGFS)) {
    return `${GPIO_SIM_CONFIGFS} does not exist: the kernel needs CONFIG_GPIO_SIM (modprobe gpio-sim) and configfs mounted on /sys/kernel/config`;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'creating gpio-sim chips needs root';
  return undefined;
};

/**
 * A simulated chip of the kernel's own (Documentation/admin-guide/gpio/gpio-sim.rst):
 * a real /dev/gpiochipN whose input levels are set through each line's `pull`
 * attribute and whose driven levels are read from `value`.
 */
export class KernelGpioSim {
  private constructor(
    private readonly device: string,
    readonly chipName: string,
    readonly label: string,
    private readonly sysfs: string,
  ) {}

  static create(label: string, lines: number): KernelGpioSim {
    const device = join(GPIO_SIM_CONFIGFS, `rpi-gpio-connector-${process.pid}-${Date.now()}`);
    const bank = join(device, 'gpio-bank0');
    mkdirSync(device);
    mkdirSync(bank);
    writeFileSync(join(bank, 'num_lines'), String(lines));
    writeFileSync(join(bank, 'label'), label);
    writeFileSync(join(device, 'live'), '1');
    const devName = readFileSync(join(device, 'dev_name'), 'utf8').trim();
    const chipName = readFileSync(join(bank, 'chip_name'), 'utf8').trim();
    return new KernelGpioSim(device, chipName, label, join('/sys/devices/platform', devName, chipName));
  }

  /** Sets what an undriven input line reads, as a pull resistor or a button would. */
  drive(offset: number, level: 0 | 1): void {
    writeFileSync(join(this.sysfs, `sim_gpio${offset}`, 'pull'), level === 1 ? 'pull-up' : 'pull-down');
  }

  /** The line's level: driven by its holder, or else its pull. */
  level(offset: number): 0 | 1 {
    return readFileSync(join(this.sysfs, `sim_gpio${offset}`, 'value'), 'utf8').trim() === '1' ? 1 : 0;
  }

  /** The kernel's global number of a line, as gpiolib's trace events name it (from debugfs). */
  globalNumber(offset: number): number {
    const table = readFileSync('/sys/kernel/debug/gpio', 'utf8');
    const m = new RegExp(`^${this.chipName}: GPIOs (\\d+)-`, 'm').exec(table);
    if (!m) throw new Error(`${this.chipName} is not in /sys/kernel/debug/gpio (debugfs not mounted?)`);
    return Number(m[1]) + offset;
  }

  dispose(): void {
    writeFileSync(join(this.device, 'live'), '0');
    for (const entry of readdirSync(this.device)) {
      if (entry.startsWith('gpio-bank')) rmdirSync(join(this.device, entry));
    }
    rmdirSync(this.device);
  }
}

const TRACEFS = '/sys/kernel/tracing';

/** One gpiolib trace event: a line's direction set, or its value got or set. */
export interface GpioTraceEvent {
  /** The kernel's global GPIO number (see KernelGpioSim.globalNumber). */
  gpio: number;
  what: 'in' | 'out' | 'get' | 'set';
  /** The value got or set (direction events: undefined). */
  value?: 0 | 1;
}

/**
 * gpiolib's own trace events (events/gpio: gpio_direction, gpio_value), the
 * kernel's record of every direction change and every value it set: how a
 * test proves that a line never glitched, which no sampling of its level can.
 */
export class GpioTrace {
  private constructor() {}

  /** Clears the trace buffer and turns gpiolib's events on. */
  static start(): GpioTrace {
    if (!existsSync(join(TRACEFS, 'events', 'gpio', 'enable'))) throw new Error(`${TRACEFS}/events/gpio is missing: tracefs is not mounted or the kernel has no gpio tracepoints`);
    writeFileSync(join(TRACEFS, 'trace'), '');
    writeFileSync(join(TRACEFS, 'events', 'gpio', 'enable'), '1');
    return new GpioTrace();
  }

  events(): GpioTraceEvent[] {
    const out: GpioTraceEvent[] = [];
    for (const line of readFileSync(join(TRACEFS, 'trace'), 'utf8').split('\n')) {
      const dir = /gpio_direction: (\d+) +(in|out) \(0\)/.exec(line);
      if (dir) out.push({ gpio: Number(dir[1]), what: dir[2] as 'in' | 'out' });
      const val = /gpio_value: (\d+) (get|set) (\d)/.exec(line);
      if (val) out.push({ gpio: Number(val[1]), what: val[2] as 'get' | 'set', value: val[3] === '1' ? 1 : 0 });
    }
    return out;
  }

  stop(): void {
    writeFileSync(join(TRACEFS, 'events', 'gpio', 'enable'), '0');
  }

  /**
   * Starts like {@link start} with the trace buffer's clock set to `mono`
   * (CLOCK_MONOTONIC, the clock of `process.hrtime.bigint()`), so each
   * event's time can be set against a moment the test took itself. The
   * previous clock is put back by `stop`.
   */
  static startMonotonic(): GpioTrace & { timedEvents(): TimedGpioTraceEvent[] } {
    const clockFile = join(TRACEFS, 'trace_clock');
    const previous = /\[(\S+)\]/.exec(readFileSync(clockFile, 'utf8'))?.[1];
    writeFileSync(clockFile, 'mono');
    const trace = GpioTrace.start();
    return Object.assign(trace, {
      timedEvents: (): TimedGpioTraceEvent[] => timedEvents(),
      stop: (): void => {
        GpioTrace.prototype.stop.call(trace);
        if (previous !== undefined) writeFileSync(clockFile, previous);
      },
    });
  }
}

/** A gpiolib trace event with its time on the trace clock (ns; CLOCK_MONOTONIC after `startMonotonic`). */
export type TimedGpioTraceEvent = GpioTraceEvent & { readonly ns: bigint };

/** The trace's events with their times (`<seconds>.<microseconds>:` before the event's name). */
const timedEvents = (): TimedGpioTraceEvent[] => {
  const out: TimedGpioTraceEvent[] = [];
  for (const line of readFileSync(join(TRACEFS, 'trace'), 'utf8').split('\n')) {
    const m = /\s(\d+)\.(\d{6}): gpio_(?:direction: (\d+) +(in|out) \(0\)|value: (\d+) (get|set) (\d))/.exec(line);
    if (!m) continue;
    const ns = BigInt(m[1] as string) * 1_000_000_000n + BigInt(m[2] as string) * 1_000n;
    if (m[3] !== undefined) out.push({ gpio: Number(m[3]), what: m[4] as 'in' | 'out', ns });
    else out.push({ gpio: Number(m[5]), what: m[6] as 'get' | 'set', value: m[7] === '1' ? 1 : 0, ns });
  }
  return out;
};

/** One line as gpioinfo (Debian's gpiod tools) shows it, in libgpiod 1.6's format or 2.x's. */
export interface LineView {
  consumer: string | undefined;
  direction: 'input' | 'output';
  activeLow: boolean;
  bias: 'pull-up' | 'pull-down' | 'disabled' | undefined;
}

/** The major version of the gpiod tools installed: 1 (Bookworm) or 2 (Trixie). */
export const gpiodToolsVersion = (): number => {
  const out = execFileSync('gpioinfo', ['--version'], { encoding: 'utf8' });
  const m = /v(\d+)\./.exec(out);
  if (!m) throw new Error(`cannot tell gpioinfo's version from: ${out}`);
  return Number(m[1]);
};

/** What gpioinfo shows for one line: the view users are told to check (README, "Check the wiring"). */
export const gpioinfo = (chip: string, offset: number): LineView => {
  const v2 = gpiodToolsVersion() >= 2;
  const out = execFileSync('gpioinfo', v2 ? ['-c', chip] : [chip], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => new RegExp(`^\\s*line\\s+${offset}:`).test(l));
  if (line === undefined) throw new Error(`gpioinfo ${chip} shows no line ${offset}:\n${out}`);
  if (v2) {
    // line   6:	unnamed         	input active-low bias=pull-up consumer=rpi-gpio-connector
    const tokens = line.replace(/^\s*line\s+\d+:\s+("[^"]*"|\S+)\s+/, '').trim().split(/\s+/);
    const value = (key: string) => tokens.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1).replace(/^"|"$/g, '');
    return {
      consumer: value('consumer'),
      direction: tokens.includes('output') ? 'output' : 'input',
      activeLow: tokens.includes('active-low'),
      bias: value('bias') as LineView['bias'],
    };
  }
  // line   6:      unnamed "rpi-gpio-connector"   input  active-high [used pull-up]
  const m = /^\s*line\s+\d+:\s+("[^"]*"|\S+)\s+("([^"]*)"|unused)\s+(input|output)\s+(active-high|active-low)(?:\s+\[([^\]]*)\])?/.exec(line);
  if (!m) throw new Error(`cannot read gpioinfo's line: ${line}`);
  const flags = (m[6] ?? '').split(/\s+/);
  return {
    consumer: m[3],
    direction: m[4] as 'input' | 'output',
    activeLow: m[5] === 'active-low',
    bias: flags.includes('pull-up') ? 'pull-up' : flags.includes('pull-down') ? 'pull-down' : flags.includes('bias-disabled') ? 'disabled' : undefined,
  };
};

/** Arguments for gpiomon to watch one line (and so hold it), in either tools version. */
export const gpiomonArgs = (chip: string, offset: number): string[] =>
  gpiodToolsVersion() >= 2 ? ['-c', chip, String(offset)] : [chip, String(offset)];

/**
 * The hardware drivers that load here, for the kernel suites: node-libgpiod
 * where it built (libgpiod 1.6 only), our uAPI v2 addon wherever it built.
 * None is a failure: the hardware suite must test at least one.
 */
export const hardwareDrivers = (): Array<'libgpiod' | 'cdev'> => {
  const drivers: Array<'libgpiod' | 'cdev'> = [];
  if (E.isRight(loadAddon())) drivers.push('libgpiod');
  if (E.isRight(loadNativeAddon())) drivers.push('cdev');
  if (drivers.length === 0) throw new Error('neither node-libgpiod nor the uAPI v2 addon loads: run npm install');
  return drivers;
};

/**
 * Whether this machine's CPU is emulated (QEMU's TCG), where timing bounds are printed, not held:
 * an x86 guest under TCG says so in /proc/cpuinfo; an arm64 one names its emulated core, so
 * scripts/vm/run.sh tells the guest how it runs (RPI_GPIO_VM_ACCEL_USED).
 */
export const emulatedCpu = (): boolean =>
  /QEMU TCG CPU/.test(readFileSync('/proc/cpuinfo', 'utf8')) || process.env['RPI_GPIO_VM_ACCEL_USED'] === 'tcg';
