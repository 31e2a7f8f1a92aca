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
