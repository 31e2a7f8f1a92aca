/** What every figure gets and gives. */
import type { Section } from './report';

export interface Context {
  /** `--quick`: fewer, shorter runs; a smoke check. */
  readonly quick: boolean;
  /** Progress for the terminal (stderr); not part of the report. */
  log(message: string): void;
}

export interface Bench {
  readonly id: string;
  run(ctx: Context): Promise<Section>;
}

/** Run i's order of two sides: A first in even runs, B first in odd ones, so drift hits both alike. */
export const interleave = <T>(run: number, a: T, b: T): [T, T] => (run % 2 === 0 ? [a, b] : [b, a]);
