import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PWM measured from the kernel's own timestamps: gpiolib's `gpio_value`
 * trace events (tracefs), one per level set on a line, each stamped by the
 * kernel when the line-values ioctl set it. Shared by the kernel spec
 * (spec/kernel/pwm.spec.ts) and the bench (bench/pwm.ts).
 */
const TRACEFS = '/sys/kernel/tracing';

/** Empties the trace buffer and turns gpiolib's value events on (room for about 100k events). */
export const startValueTrace = (): void => {
  writeFileSync(join(TRACEFS, 'events', 'gpio', 'gpio_value', 'enable'), '1');
  try {
    writeFileSync(join(TRACEFS, 'buffer_size_kb'), '16384');
  } catch {
    // A smaller buffer only shortens what can be measured: overflow is checked in `setEdges`.
  }
  writeFileSync(join(TRACEFS, 'trace'), '');
};

export const stopValueTrace = (): void => writeFileSync(join(TRACEFS, 'events', 'gpio', 'gpio_value', 'enable'), '0');

/** One level set on a line, with the kernel's timestamp in ns (its trace clock, microsecond resolution). */
export interface SetEdge {
  readonly ns: number;
  readonly value: 0 | 1;
}

/** Every level set on global GPIO `gpio` since the trace was started, in order. */
export const setEdges = (gpio: number): SetEdge[] => {
  const text = readFileSync(join(TRACEFS, 'trace'), 'utf8');
  const lost = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(text);
  if (lost && lost[1] !== lost[2]) throw new Error(`the trace buffer overflowed (${lost[1]} of ${lost[2]} events kept): measure a shorter time`);
  const out: SetEdge[] = [];
  const re = new RegExp(`\\s(\\d+)\\.(\\d{6}): gpio_value: ${gpio} set ([01])`);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) out.push({ ns: Number(m[1]) * 1e9 + Number(m[2]) * 1e3, value: m[3] === '1' ? 1 : 0 });
  }
  return out;
};

export interface PwmMeasure {
  /** Whole periods measured (rising edge to rising edge). */
  readonly periods: number;
  /** Periods over their total time, in Hz. */
  readonly frequency: number;
  /** Time high over total time of the whole periods, 0..1. */
  readonly duty: number;
  /** The 99th percentile of |period - nominal period|, in microseconds. */
  readonly p99JitterUs: number;
  /** The largest |period - nominal period|, in microseconds. */
  readonly maxJitterUs: number;
}

/**
 * Frequency, mean duty and period jitter from a line's level sets: only the
 * edges that change the level count (the thread sets each level once per
 * edge, so repeats would be a bug shown as a missing period), from the first
 * rising edge to the last one.
 */
export const measurePwm = (edges: ReadonlyArray<SetEdge>, nominalHz: number): PwmMeasure => {
  const changes: SetEdge[] = [];
  for (const e of edges) if (changes.length === 0 || changes[changes.length - 1]?.value !== e.value) changes.push(e);
  const firstRise = changes.findIndex((e) => e.value === 1);
  let lastRise = -1;
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i]?.value === 1) { lastRise = i; break; }
  if (firstRise < 0 || lastRise <= firstRise) throw new Error(`too few edges to measure: ${edges.length} level sets`);
  const span = changes.slice(firstRise, lastRise + 1);
  const periods: number[] = [];
  let high = 0;
  // The changes alternate, so from a rising edge: rise, fall, rise, ...
  for (let i = 0; i + 2 < span.length; i += 2) {
    const rise = span[i] as SetEdge;
    const fall = span[i + 1] as SetEdge;
    const next = span[i + 2] as SetEdge;
    periods.push(next.ns - rise.ns);
    high += fall.ns - rise.ns;
  }
  const total = periods.reduce((a, b) => a + b, 0);
  const nominal = 1e9 / nominalHz;
  const jitter = periods.map((p) => Math.abs(p - nominal) / 1e3).sort((a, b) => a - b);
  return {
    periods: periods.length,
    frequency: (periods.length * 1e9) / total,
    duty: high / total,
    p99JitterUs: jitter[Math.min(jitter.length - 1, Math.floor(jitter.length * 0.99))] ?? 0,
    maxJitterUs: jitter[jitter.length - 1] ?? 0,
  };
};

/**
 * How long the addon's PWM threads (named `gpio-pwm`) have waited for a CPU
 * while runnable, in ns (the scheduler's run_delay, /proc/<pid>/task/<tid>/schedstat),
 * summed over every such thread on the machine; undefined when there is none.
 * A PWM edge late by far more than this was late because the whole machine
 * was not running (a VM's vCPU descheduled by its host), not for want of a
 * CPU inside it.
 */
export const pwmThreadRunDelayNs = (): number | undefined => {
  let total: number | undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let tasks: string[];
    try {
      tasks = readdirSync(join('/proc', pid, 'task'));
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        if (readFileSync(join('/proc', pid, 'task', tid, 'comm'), 'utf8').trim() !== 'gpio-pwm') continue;
        const delay = Number(readFileSync(join('/proc', pid, 'task', tid, 'schedstat'), 'utf8').split(' ')[1]);
        total = (total ?? 0) + delay;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return total;
};
