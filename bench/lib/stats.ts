/** Small statistics for benchmark runs: no timing is ever asserted, only summarised. */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every run's value, in run order, so a later run can be compared. */
  readonly runs: ReadonlyArray<number>;
}

const sorted = (xs: ReadonlyArray<number>): number[] => [...xs].sort((a, b) => a - b);

/** The p-th percentile (0..100), linear between the two nearest ranks. NaN for no values. */
export const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
};

export const median = (xs: ReadonlyArray<number>): number => percentile(xs, 50);

export const summarize = (runs: ReadonlyArray<number>): Summary => ({
  median: median(runs),
  min: runs.length === 0 ? NaN : Math.min(...runs),
  max: runs.length === 0 ? NaN : Math.max(...runs),
  runs: [...runs],
});

/** Run-by-run ratios a[i] / b[i] of two sides measured in the same run. */
export const ratios = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number[] =>
  a.map((x, i) => x / (b[i] as number));
