import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

  dispose(): void {
    writeFileSync(join(this.device, 'live'), '0');
    for (const entry of readdirSync(this.device)) {
      if (entry.startsWith('gpio-bank')) rmdirSync(join(this.device, entry));
    }
    rmdirSync(this.device);
  }
}
