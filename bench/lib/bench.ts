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
