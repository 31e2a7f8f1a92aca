/**
 * Unknown keys. io-ts `t.exact` drops them without a word, but a key nobody
 * reads is almost always a typo (`InputGpio`, `mqtt.prot`) that would leave a
 * setting at its default: every one is reported, with a guess when one is close.
 */

/** `unknown key`, or `unknown key (did you mean port?)`. */
export const unknownKeyMessage = (key: string, known: ReadonlyArray<string>): string => {
  const guess = closest(key, known);
  return guess === undefined ? 'unknown key' : `unknown key (did you mean ${guess}?)`;
};

/**
 * The known key nearest to `key`, if near enough to be a typo: case is
 * ignored, and about one edit in three letters is allowed.
 */
export const closest = (key: string, known: ReadonlyArray<string>): string | undefined => {
  const allowed = Math.max(1, Math.floor(key.length / 3));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
};

/** Edit distance where swapping two neighbours counts as one edit (`prot` -> `port`). */
const distance = (a: string, b: string): number => {
  // Our keys are short and close in length to their typos: this keeps the quadratic table small.
  if (Math.abs(a.length - b.length) > 3 || a.length > 64) return Infinity;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
};
