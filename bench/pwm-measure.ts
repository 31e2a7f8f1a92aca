/**
 * The measurement of figure 11 (bench/pwm.ts), run where gpio-sim is: on a
 * kernel that has it, or in the hardware suite's VM. The built service
 * (node dist/main.js, gpio.driver: cdev) runs software PWM on a gpio-sim
 * line; gpiolib's `gpio_value` trace events give each edge's kernel
 * timestamp. Prints one line `PWM-RESULT <json>` for bench/pwm.ts.
 *
 *   node -r ts-node/register/transpile-only bench/pwm-measure.ts [runs] [windowMs]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TestClient } from '../spec/support/client';
import { cleanupAll, Order, track } from '../spec/support/cleanup';
import { gpioSimUnavailable, KernelGpioSim } from '../spec/support/gpio-sim';
import { Mosquitto } from '../spec/support/mosquitto';
import { measurePwm, type PwmMeasure, pwmThreadRunDelayNs, setEdges, startValueTrace, stopValueTrace } from '../spec/support/pwm-trace';
import { Service } from '../spec/support/service';

export interface PwmResult {
  readonly kernel: string;
  readonly cpu: string;
  readonly cpus: number;
  /** The machine's DMI vendor: `QEMU` in the hardware suite's VM. */
  readonly vendor: string;
  readonly windowMs: number;
  /** Per setting: each run's measure, and how long the PWM thread waited for a CPU in that run (ms). */
  readonly settings: ReadonlyArray<{ readonly frequency: number; readonly duty: number; readonly runs: ReadonlyArray<PwmMeasure>; readonly runDelayMs: ReadonlyArray<number> }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PIN = 12;

const main = async (): Promise<void> => {
  const why = gpioSimUnavailable();
  if (why !== undefined) throw new Error(`gpio-sim is not available here: ${why}`);
  const runs = Number(process.argv[2] ?? 3);
  const windowMs = Number(process.argv[3] ?? 2000);
  const chip = KernelGpioSim.create('pinctrl-bcm2711', 58);
  track(chip, Order.Broker, async () => chip.dispose());
  const broker = await Mosquitto.start();
  const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
  await client.subscribe('gpio/bench/+/pwm/state');
  const service = await Service.start({
    thingName: 'bench',
    pins: [{ pin: PIN, direction: 'output', pwm: { frequency: 100, duty: 0 } }],
    mqtt: { url: `mqtt://127.0.0.1:${broker.port}` },
    gpio: { driver: 'cdev' },
  });
  await service.ready(300_000);
  const settings: Array<PwmResult['settings'][number]> = [];
  for (const frequency of [100, 1000]) {
    for (const duty of [0.1, 0.5, 0.9]) {
      const want = JSON.stringify({ frequency, duty });
      await client.publish(`gpio/bench/${PIN}/pwm`, want);
      await client.until(`gpio/bench/${PIN}/pwm/state`, (m) => m.payload === want, 60_000);
      await sleep(100);
      const measured: PwmMeasure[] = [];
      const delays: number[] = [];
      for (let run = 0; run < runs; run++) {
        const before = pwmThreadRunDelayNs() ?? NaN;
        startValueTrace();
        await sleep(windowMs);
        stopValueTrace();
        delays.push(((pwmThreadRunDelayNs() ?? NaN) - before) / 1e6);
        measured.push(measurePwm(setEdges(chip.globalNumber(PIN)), frequency));
      }
      settings.push({ frequency, duty, runs: measured, runDelayMs: delays });
      process.stderr.write(`pwm-measure: ${frequency} Hz, duty ${duty}: ${JSON.stringify(measured)}\n`);
    }
  }
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const vendor = (() => {
    try {
      return readFileSync('/sys/class/dmi/id/sys_vendor', 'utf8');
    } catch {
      return '';
    }
  })();
  const result: PwmResult = {
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    cpus: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    vendor: vendor.trim(),
    windowMs,
    settings,
  };
  process.stdout.write(`PWM-RESULT ${JSON.stringify(result)}\n`);
};

main()
  .catch((e: unknown) => {
    process.stderr.write(`pwm-measure failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
