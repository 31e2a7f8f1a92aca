/**
 * Figure 11, PWM accuracy: the service's software PWM on a real kernel's
 * gpio-sim line, measured from gpiolib's trace timestamps (bench/pwm-measure.ts).
 * Where this kernel has no gpio-sim, the measurement runs in the hardware
 * suite's VM (scripts/vm/run.sh), and the figures say whether it was emulated.
 */
import { gpioSimUnavailable } from '../spec/support/gpio-sim';
import type { Bench, Context } from './lib/bench';
import type { PwmResult } from './pwm-measure';
import { ROOT } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { summarize } from './lib/stats';
import { runLogged } from './lib/vm';

const PROGRESS = ['vm:', 'pwm-measure'];

export const pwm: Bench = {
  id: 'pwm',
  async run(ctx: Context): Promise<Section> {
    const runs = ctx.quick ? 1 : 3;
    const windowMs = ctx.quick ? 1000 : 2000;
    const here = gpioSimUnavailable() === undefined;
    const measure = ['node', '-r', 'ts-node/register/transpile-only', 'bench/pwm-measure.ts', String(runs), String(windowMs)];
    const { code, stdout } = here
      ? await runLogged(measure[0] as string, measure.slice(1), ctx, PROGRESS)
      : await runLogged('nice', ['-n', '10', 'scripts/vm/run.sh', '--cwd', ROOT, '--', ...measure], ctx, PROGRESS);
    const line = stdout.split('\n').find((l) => l.includes('PWM-RESULT '));
    if (code !== 0 || line === undefined) throw new Error(`the PWM measurement failed (exit ${code}): ${stdout.slice(-2000)}`);
    const result = JSON.parse(line.slice(line.indexOf('PWM-RESULT ') + 'PWM-RESULT '.length)) as PwmResult;
    const accel = /under (tcg|kvm)/.exec(stdout)?.[1];
    const where = here ? `this machine's kernel (${result.kernel})` : `the hardware suite's VM (Linux ${result.kernel}, ${result.cpus} vCPU, QEMU ${accel === 'kvm' ? 'with KVM' : 'TCG: emulated'})`;
    const emulated = !here && accel !== 'kvm';

    const targets: Target[] = [];
    const cells = result.settings.map((s) => {
      const freqErr = summarize(s.runs.map((m) => (100 * Math.abs(m.frequency - s.frequency)) / s.frequency));
      const dutyErr = summarize(s.runs.map((m) => 100 * Math.abs(m.duty - s.duty)));
      targets.push(
        { what: `${s.frequency} Hz, duty ${s.duty * 100} %: frequency error`, goal: '≤ 1 %', value: `${fmt(freqErr.median)} %`, met: freqErr.median <= 1 },
        { what: `${s.frequency} Hz, duty ${s.duty * 100} %: duty error`, goal: '≤ 1 point', value: `${fmt(dutyErr.median)} points`, met: dutyErr.median <= 1 },
      );
      return [
        `${s.frequency} Hz, ${s.duty * 100} %`,
        summarize(s.runs.map((m) => m.frequency)),
        summarize(s.runs.map((m) => 100 * m.duty)),
        summarize(s.runs.map((m) => m.p99JitterUs)),
        summarize(s.runs.map((m) => m.maxJitterUs)),
        summarize(s.runs.map((m) => m.periods)),
        summarize(s.runDelayMs),
      ];
    });
    return {
      id: this.id,
      title: `11. PWM accuracy${emulated ? ' (emulated)' : ''}`,
      about: [
        `Software PWM of the built service (\`node dist/main.js\`, \`gpio.driver: cdev\`) on a line of the kernel's gpio-sim, on ${where}: ` +
          'each setting is sent as a PWM request through Mosquitto; once answered, gpiolib\'s `gpio_value` trace events (tracefs, one per level the ' +
          'addon\'s PWM thread sets, stamped by the kernel at microsecond resolution) are recorded for ' +
          `${windowMs} ms, ${runs} time${runs === 1 ? '' : 's'} per setting. Frequency is whole periods (rising edge to rising edge) over their time; duty ` +
          'is the time high over the same time; jitter is |period − nominal period|, its 99th percentile and its largest value in the window; ' +
          'thread run delay is how long the `gpio-pwm` thread waited, runnable, for a CPU during the window (schedstat): an edge late by far more ' +
          'than that was late because the machine itself was not running.',
        ...(emulated
          ? [
              '**Emulated**: the VM runs under QEMU\'s TCG (no KVM here), one vCPU shared by the PWM thread, Node.js, Mosquitto and the kernel; ' +
                'a Raspberry Pi runs these instructions natively, so its jitter is lower. The thread\'s schedule is absolute (a late edge does not move the ' +
                'next one), but periods missed while the thread does not run are skipped whole, so every stall lowers the measured frequency and bends the duty.',
            ]
          : []),
      ],
      tables: [{ columns: ['setting', 'frequency (Hz)', 'duty (%)', 'p99 jitter (µs)', 'max jitter (µs)', 'periods', 'thread run delay (ms)'], cells }],
      targets,
      raw: { ...result, emulated },
    };
  },
};
