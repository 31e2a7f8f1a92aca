/** What every figure gets and gives. */
import type { Baseline } from './baseline';
import type { Section } from './report';

export interface Context {
  /** `--quick`: fewer, shorter runs; a smoke check. */
  readonly quick: boolean;
  /** `--baseline REV`: the earlier commit, built, that figures 1, 2 and 5 also measure (before). */
  readonly baseline?: Baseline;
  /** Progress for the terminal (stderr); not part of the report. */
  log(message: string): void;
}

export interface Bench {
  readonly id: string;
  run(ctx: Context): Promise<Section>;
}

/**
 * Run i's order of the sides: rotated by i (two sides: A first in even runs,
 * B first in odd ones), so drift hits all sides alike.
 */
export const interleave = <T>(run: number, sides: ReadonlyArray<T>): T[] => sides.map((_, i) => sides[(i + run) % sides.length] as T);

/**
 * In-process A/B passes: one warm-up pass of each side (the JIT warms on
 * both), then `passes` pairs, alternating which side goes first so a drift
 * of the machine hits both alike. Per pass: off, on, and on − off.
 */
export const alternatePasses = (pass: (on: boolean) => number, passes: number): { off: number[]; on: number[]; added: number[] } => {
  pass(false);
  pass(true);
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < passes; i++) {
    if (i % 2 === 0) {
      off.push(pass(false));
      on.push(pass(true));
    } else {
      on.push(pass(true));
      off.push(pass(false));
    }
  }
  return { off, on, added: on.map((x, i) => x - (off[i] as number)) };
};

/**
 * The service's CPU per round trip in its cheapest case (figure 1: QoS 0, 4
 * requesters, median), in µs: what the in-process figures (9, 10) weigh a
 * cost per request against. From figure 1's second run of 2026-12-07 at
 * commit b73c5b2 (the request path routed by hand, MQTT.js without its debug
 * calls), the lower of that day's two runs (25.4 in the other); it was 30.6 µs
 * at e3445c2 and 36.5 µs before that.
 */
export const SERVICE_US_PER_TRIP = 24.0;

/** `ns` (a cost per request) as a share of {@link SERVICE_US_PER_TRIP}. */
export const shareOfTrip = (ns: number): number => ns / (SERVICE_US_PER_TRIP * 1000);
