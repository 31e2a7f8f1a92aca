/**
 * Every pin's level at a glance, as plain data: the snapshot published
 * (retained) on `gpio/<thing>/pins`, the fold that keeps it from the
 * pipeline's outputs, its JSON payload, and the decision on a request to
 * read all pins (`gpio/<thing>/read`). No I/O here: the caller passes the
 * clock, read only when a level changes (a clock read costs more than the
 * rest of a fold on some machines).
 */
import * as E from 'fp-ts/Either';
import type { Either } from './either';
import type { PinSpec } from './model';
import type { Output, PinEntry, PinsSnapshot } from './outputs';
import type { Ignored, Reply, Request } from './requests';

export type { PinEntry, PinsSnapshot } from './outputs';

/** The service's snapshots come at most this often (answers to reads aside): a few a second. */
export const SNAPSHOT_INTERVAL_MS = 250;

export interface SnapshotFold {
  /** Every pin known, nothing seen yet (a counting pin at 0). */
  readonly initial: PinsSnapshot;
  /**
   * The snapshot after one output: a state sets its pin's level (and
   * `changedMs`, read from `now` only then), a count its pin's count.
   * Anything else, or a value the snapshot already holds, returns `s`
   * itself, so a caller tells a change by identity.
   */
  fold(s: PinsSnapshot, o: Output, now: () => number): PinsSnapshot;
}

const replace = (s: PinsSnapshot, i: number, entry: PinEntry): PinsSnapshot => {
  const next = s.slice();
  next[i] = entry;
  return next;
};

/** An entry with new values, built key by key (a spread costs several times more on this path, run on every change). */
const with_ = (e: PinEntry, level: PinEntry['level'], changedMs: number | null, count: number | undefined): PinEntry =>
  count === undefined ? { pin: e.pin, direction: e.direction, level, changedMs } : { pin: e.pin, direction: e.direction, level, changedMs, count };

/** The fold for a set of pins; pins not configured are no part of the snapshot. */
export const snapshotFold = (pins: ReadonlyArray<PinSpec>): SnapshotFold => {
  const initial: PinsSnapshot = [...pins]
    .sort((a, b) => a.pin - b.pin)
    .map((p) => ({
      pin: p.pin,
      direction: p.direction,
      level: null,
      changedMs: null,
      ...(p.direction === 'input' && p.count !== undefined ? { count: 0 } : {}),
    }));
  const index = new Map(initial.map((e, i) => [e.pin, i]));
  return {
    initial,
    fold: (s, o, now) => {
      if (o._tag !== 'State' && o._tag !== 'Count') return s;
      const i = index.get(o.pin);
      const entry = i === undefined ? undefined : s[i];
      if (i === undefined || entry === undefined) return s;
      if (o._tag === 'Count') return entry.count === undefined || entry.count === o.count ? s : replace(s, i, with_(entry, entry.level, entry.changedMs, o.count));
      if (entry.level === o.level) return s;
      // A pin's first level is no change: it is what the pin had when the service started.
      return replace(s, i, with_(entry, o.level, entry.level === null ? entry.changedMs : now(), entry.count));
    },
  };
};

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The payload on `gpio/<thing>/pins`: `time`, when the snapshot was taken,
 * and `pins`, an object keyed by pin number (ascending), each with
 * `direction`, `level` and `changed` (ISO 8601, UTC, milliseconds, or null),
 * and `count` for a counting input.
 */
export const formatSnapshot = (pins: PinsSnapshot, timeMs: number): string => {
  const out: Record<string, unknown> = {};
  for (const p of pins) {
    const changed = p.changedMs === null ? null : iso(p.changedMs);
    out[String(p.pin)] =
      p.count === undefined ? { direction: p.direction, level: p.level, changed } : { direction: p.direction, level: p.level, changed, count: p.count };
  }
  return JSON.stringify({ time: iso(timeMs), pins: out });
};

/** A read of all pins that will be answered with the snapshot. */
export interface ReadAll {
  readonly _tag: 'ReadAll';
  readonly topic: string;
  readonly reply?: Reply;
}

export const RETAINED_READ_ALL_IGNORED =
  'retained read of all pins ignored: the broker delivered a stored request, not a live one (set mqtt.acceptRetainedRequests: true to answer stored requests)';

/**
 * A request on `gpio/<thing>/read`, decided as a pin's read is: its payload
 * is ignored (the seed connector ignores a read's), a queued one is answered,
 * and a retained one is ignored (logged, counted as a retained read) unless
 * retained requests are accepted.
 */
export const decideReadAll =
  (options: { readonly acceptRetainedRequests: boolean }) =>
  (request: Request): Either<Ignored, ReadAll> => {
    if (request.retained && !options.acceptRetainedRequests) {
      return E.left({ _tag: 'Ignored', topic: request.topic, reason: RETAINED_READ_ALL_IGNORED, retained: 'read' });
    }
    return E.right(request.reply === undefined ? { _tag: 'ReadAll', topic: request.topic } : { _tag: 'ReadAll', topic: request.topic, reply: request.reply });
  };
