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
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of known) {
    // The distance is at least the difference in length: most candidates need no table at all.
    if (Math.abs(candidate.length - key.length) >= bestDistance) continue;
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
};

/**
 * Edit distance where swapping two neighbours counts as one edit (`prot` ->
 * `port`), keeping only the three rows it needs: a config with a hundred
 * thousand unknown keys computes it for each.
 */
const distance = (a: string, b: string): number => {
  // Our keys are short and close in length to their typos: this keeps the table small.
  if (Math.abs(a.length - b.length) > 3 || a.length > 64) return Infinity;
  const width = b.length + 1;
  let before = new Int32Array(width); // row i - 2
  let previous = Int32Array.from({ length: width }, (_, j) => j); // row i - 1
  let current = new Int32Array(width);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (before[j - 2] as number) + 1);
      current[j] = v;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] as number;
};
