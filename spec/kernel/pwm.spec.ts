import { execFileSync } from 'node:child_process';
import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { emulatedCpu, gpioinfo, gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { Mosquitto } from '../support/mosquitto';
import { measurePwm, pwmThreadRunDelayNs, setEdges, startValueTrace, stopValueTrace } from '../support/pwm-trace';
import { Service } from '../support/service';

// Software PWM of the built service (node dist/main.js, gpio.driver: cdev) on
// the real kernel's gpio-sim, measured from the kernel's own timestamps: each
// level the addon's PWM thread sets is a `gpio_value` trace event (tracefs).
// 100 Hz and 1 kHz at duty 10, 50 and 90 %: the frequency within 1 % and the
// mean duty within 1 percentage point, over every whole period of the
// measured window; the p99 period jitter is printed. Runs under
// `npm run test:hardware` (spec/kernel is not part of `npm test`).
const why = gpioSimUnavailable();
if (why !== undefined) throw new Error(`the kernel suite cannot run here: ${why}`);

jest.setTimeout(600_000);
const READY_MS = 150_000;
const ANSWER_MS = 30_000;
afterEach(cleanupAll);

const THING = 'hw';
const LABEL = 'pinctrl-bcm2711';
const PIN = 12;
/** How long each setting is measured: long enough for 200+ periods at 100 Hz. */
const WINDOW_MS = Number(process.env.PWM_WINDOW_MS ?? 2500);

const drivers = hardwareDrivers();
/**
 * Plain emulation (QEMU's TCG, the hardware suite's VM where there is no KVM):
 * the VM's one CPU runs 10-50 times slower and stops whenever the host is
 * busy, so edges come late by tens of ms (docs/benchmarks.md figure 11). The
 * issue's 1 % targets are judged on a native kernel or under KVM only; under
 * TCG the figures are printed, marked NOT JUDGED, and the PWM is checked to
 * run (most periods there) at the right duty order.
 */
const emulated = emulatedCpu();

const config = (driver: string, port: number) => ({
  thingName: THING,
  pins: [
    { pin: PIN, direction: 'output', pwm: { frequency: 100, duty: 0 } },
    // A second PWM output on the same request, so the thread runs two lines throughout (slow: little load on an emulated CPU).
    { pin: 13, direction: 'output', pwm: { frequency: 10, duty: '50%' } },
  ],
  mqtt: { url: `mqtt://127.0.0.1:${port}` },
  gpio: { driver },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`software PWM of the service (gpio.driver: cdev) on the kernel's gpio-sim (Linux ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}${emulated ? ', emulated' : ''})`, () => {
  if (!drivers.includes('cdev')) throw new Error('the uAPI v2 addon does not load: run npm install');

  it(`runs PWM at 100 Hz and 1 kHz, duty 10/50/90 %, ${emulated ? 'its accuracy printed, NOT JUDGED (emulated CPU): running, duties in order' : 'within 1 % of frequency and duty'} by the kernel's timestamps`, async () => {
    const chip = KernelGpioSim.create(LABEL, 58);
    track(chip, Order.Broker, async () => chip.dispose());
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${broker.port}`);
    await client.subscribe([`gpio/${THING}/+/pwm/state`, `gpio/${THING}/error`]);
    const service = await Service.start(config('cdev', broker.port));
    await service.ready(READY_MS);
    // Both PWM outputs announce their start-up setting: the one thread runs line 13 at 10 Hz all along.
    await client.until(`gpio/${THING}/13/pwm/state`, (m) => m.payload === '{"frequency":10,"duty":0.5}', ANSWER_MS);

    const results: string[] = [];
    const failures: string[] = [];
    const duties: Array<{ frequency: number; duty: number; measured: number }> = [];
    for (const frequency of [100, 1000]) {
      for (const duty of [0.1, 0.5, 0.9]) {
        const want = JSON.stringify({ frequency, duty });
        await client.publish(`gpio/${THING}/${PIN}/pwm`, want);
        await client.until(`gpio/${THING}/${PIN}/pwm/state`, (m) => m.payload === want, ANSWER_MS);
        // Settle (the first period after a change takes the new times at its next edge), then measure.
        await sleep(100);
        const delayBefore = pwmThreadRunDelayNs() ?? NaN;
        startValueTrace();
        await sleep(WINDOW_MS);
        stopValueTrace();
        // Why an edge was late: the thread waiting for the VM's CPU (run delay), or the VM itself not running (the rest).
        const runDelayMs = ((pwmThreadRunDelayNs() ?? NaN) - delayBefore) / 1e6;
        const m = measurePwm(setEdges(chip.globalNumber(PIN)), frequency);
        const line =
          `${frequency} Hz, duty ${duty * 100} %: ${m.frequency.toFixed(3)} Hz, duty ${(m.duty * 100).toFixed(3)} %, ${m.periods} periods, ` +
          `p99 jitter ${m.p99JitterUs.toFixed(0)} us, max ${m.maxJitterUs.toFixed(0)} us; the PWM thread waited ${runDelayMs.toFixed(1)} ms in all for the VM's CPU`;
        results.push(line);
        duties.push({ frequency, duty, measured: m.duty });
        if (emulated) {
          // The thread ran: a good share of the window's periods are there (a VM stopped by its host loses some).
          if (m.periods < (frequency * WINDOW_MS) / 1000 / 10) failures.push(`${line}: too few periods for ${WINDOW_MS} ms, even emulated`);
          continue;
        }
        if (Math.abs(m.frequency - frequency) / frequency > 0.01) failures.push(`${line}: frequency off by more than 1 %`);
        if (Math.abs(m.duty - duty) > 0.01) failures.push(`${line}: duty off by more than 1 %`);
        // Most of the window's periods are there (not a thread that skipped half of them).
        if (m.periods < (frequency * WINDOW_MS) / 1000 / 2) failures.push(`${line}: too few periods for ${WINDOW_MS} ms`);
      }
    }
    process.stdout.write(`PWM measured on gpio-sim${emulated ? ' (emulated, TCG)' : ''}:\n  ${results.join('\n  ')}\n`);
    if (emulated) {
      process.stdout.write('PWM accuracy NOT JUDGED here: emulated CPU (QEMU TCG); the 1 % frequency and duty targets are checked on a native kernel or under KVM only\n');
      // What emulation cannot blur: at each frequency a larger duty keeps the line high for longer.
      for (const f of [100, 1000]) {
        const at = duties.filter((d) => d.frequency === f).map((d) => d.measured);
        if (!(at[0]! < at[1]! && at[1]! < at[2]!)) failures.push(`${f} Hz: measured duties ${at.map((d) => (d * 100).toFixed(1)).join(', ')} % are not in the order of 10, 50, 90 %`);
      }
    }
    expect(failures).toEqual([]);

    // write 0 switches the PWM off low: once it is answered, the thread sets the line no more.
    await client.publish(`gpio/${THING}/${PIN}/write`, '0');
    await client.until(`gpio/${THING}/${PIN}/pwm/state`, (m) => m.payload === '{"frequency":1000,"duty":0}', ANSWER_MS);
    // (The trace starts after the answer: edges the PWM made while the write was on its way are no failure.)
    startValueTrace();
    await sleep(300);
    stopValueTrace();
    expect(setEdges(chip.globalNumber(PIN))).toEqual([]);
    expect(chip.level(PIN)).toBe(0);
  });

  it('refuses hardware PWM at start-up when the kernel has no such pwmchip, naming the overlay, with the GPIO lines released', async () => {
    const chip = KernelGpioSim.create(LABEL, 58);
    track(chip, Order.Broker, async () => chip.dispose());
    const broker = await Mosquitto.start();
    const service = await Service.start({
      ...config('cdev', broker.port),
      pins: [
        { pin: 8, direction: 'output', initial: 'high' },
        { pin: 18, direction: 'output', pwm: { frequency: 25000, chip: 'rp1-pwm', channel: 2 } },
      ],
    });
    const exit = await service.waitForExit(READY_MS);
    expect(exit.code).not.toBe(0);
    expect(service.stderr).toMatch(/GPIO 18: no PWM chip "rp1-pwm" under \/sys\/class\/pwm \(found: [^)]*\)+: the pin's PWM function is not enabled: on a Raspberry Pi 4 add dtoverlay=pwm/);
    // The GPIO line it had requested is free again.
    expect(gpioinfo(chip.chipName, 8).consumer).toBeUndefined();
  });

  it('refuses pwm: at start-up with gpio.driver: libgpiod, saying which driver runs it', async () => {
    if (!drivers.includes('libgpiod')) {
      process.stdout.write('not run: node-libgpiod does not load here, so gpio.driver: libgpiod cannot be tried\n');
      return;
    }
    const chip = KernelGpioSim.create(LABEL, 58);
    track(chip, Order.Broker, async () => chip.dispose());
    const broker = await Mosquitto.start();
    const service = await Service.start(config('libgpiod', broker.port));
    const exit = await service.waitForExit(READY_MS);
    expect(exit.code).not.toBe(0);
    expect(service.stderr).toContain('software PWM runs on the character-device driver only: set gpio.driver: cdev (or auto), not libgpiod');
  });
});
