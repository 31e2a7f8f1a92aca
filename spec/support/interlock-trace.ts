/**
 * The interlock's two promises, checked on a record of line levels over
 * time (the simulated chip's writes in virtual time, or gpiolib's trace
 * events on the real kernel): no instant with two lines of a group on, and
 * at least the dead time between one going off and another going on.
 */

/** A level set on a line at a time (ms). Sets that do not change the line are allowed and ignored. */
export interface LineSet {
  readonly t: number;
  readonly pin: number;
  readonly level: 0 | 1;
}

export interface Violation {
  readonly kind: 'overlap' | 'dead-time';
  /** When the offending on happened. */
  readonly t: number;
  /** The pin that went on, and the one it overlapped or followed too soon. */
  readonly pins: readonly [number, number];
  /** For a dead-time violation: how long after the other's off it went on, in ms. */
  readonly gapMs?: number;
}

/**
 * Every violation in `sets`, taken in time order (ties in the order given, as
 * the trace lists them). Lines start at `initial` (0 if absent).
 */
export const interlockViolations = (
  sets: ReadonlyArray<LineSet>,
  groups: ReadonlyArray<ReadonlyArray<number>>,
  delayMs: number,
  initial: ReadonlyMap<number, 0 | 1> = new Map(),
): Violation[] => {
  const sorted = sets.map((s, i) => ({ s, i })).sort((a, b) => a.s.t - b.s.t || a.i - b.i).map((x) => x.s);
  const level = new Map(initial);
  const offAt = new Map<number, number>();
  const groupOf = new Map(groups.flatMap((g) => g.map((p): [number, ReadonlyArray<number>] => [p, g])));
  const out: Violation[] = [];
  for (const { t, pin, level: to } of sorted) {
    if ((level.get(pin) ?? 0) === to) continue;
    level.set(pin, to);
    if (to === 0) {
      offAt.set(pin, t);
      continue;
    }
    for (const other of groupOf.get(pin) ?? []) {
      if (other === pin) continue;
      if ((level.get(other) ?? 0) === 1) out.push({ kind: 'overlap', t, pins: [pin, other] });
      const off = offAt.get(other);
      if (off !== undefined && t - off < delayMs) out.push({ kind: 'dead-time', t, pins: [pin, other], gapMs: t - off });
    }
  }
  return out;
};
