import { concat, defer, mergeMap, type Observable } from 'rxjs';
import type { Level } from '../core/model';

/** One edge event as the kernel reports it (GPIO uAPI v2 `gpio_v2_line_event`). */
export interface KernelEdge {
  readonly pin: number;
  readonly rising: boolean;
  /** When the edge happened, in nanoseconds (the kernel's event clock). */
  readonly timestampNs: bigint;
  /** The event's number among all events of its line request; the kernel counts from 1, as a u32. */
  readonly seqno: number;
}

/**
 * A pin's new level. Shaped as a debounce `LevelObservation`, so it can be
 * debounced as it is. `at` is the edge's timestamp; a first level has none,
 * and is no edge (a pulse counter must not count it).
 */
export interface EdgeLevel {
  readonly _tag: 'Level';
  readonly pin: number;
  readonly level: Level;
  readonly at?: bigint;
}

/** The kernel dropped events (its queue overflowed): some transitions are lost. For the caller to report. */
export interface EdgeGap {
  readonly _tag: 'Gap';
  /** The seqno that should have come. */
  readonly expected: number;
  /** The seqno that came. */
  readonly got: number;
  /** How many events were dropped. */
  readonly missed: number;
}

export type EdgeOutput = EdgeLevel | EdgeGap;

export interface EdgeDeps {
  /** Each pin's level read when its edge detection started. */
  readonly initial: ReadonlyMap<number, Level>;
  /** The seqno the first event should carry: 1 (the default) for a fresh line request. */
  readonly firstSeqno?: number;
}

const U32 = 2 ** 32;

/** How many events lie between the seqno expected and the one that came; 0 when none, counting across the u32 wrap. */
export const missedEvents = (expected: number, got: number): number => (((got - expected) % U32) + U32) % U32;

/**
 * Kernel edge events to level changes, in order, with no transition lost: a
 * 0→1→0 pulse shorter than any poll is two changes, each with its edge's
 * timestamp. On subscription, each pin's first level is emitted at once (by
 * pin number), as start-up publishes it.
 *
 * An edge to the level a pin already has is emitted as nothing: it is the
 * edge that happened between the request and the first read, which that read
 * already saw. A jump in `seqno` is emitted as an {@link EdgeGap} before the
 * event that revealed it; levels stay right regardless, since every edge
 * carries its direction. Use one unit per line request: seqnos count per
 * request. Completion, errors and unsubscription are the input's; each
 * subscription starts again from `deps`.
 */
export const edgesToLevels = (edge$: Observable<KernelEdge>, deps: EdgeDeps): Observable<EdgeOutput> =>
  defer(() => {
    const levels = new Map<number, Level>(deps.initial);
    let expected = deps.firstSeqno ?? 1;
    const first = [...levels]
      .sort(([a], [b]) => a - b)
      .map(([pin, level]): EdgeOutput => ({ _tag: 'Level', pin, level }));
    const follow = (edge: KernelEdge): EdgeOutput[] => {
      const out: EdgeOutput[] = [];
      const missed = missedEvents(expected, edge.seqno);
      if (missed > 0) out.push({ _tag: 'Gap', expected, got: edge.seqno, missed });
      expected = (edge.seqno + 1) % U32;
      const level: Level = edge.rising ? 1 : 0;
      if (levels.get(edge.pin) !== level) {
        levels.set(edge.pin, level);
        out.push({ _tag: 'Level', pin: edge.pin, level, at: edge.timestampNs });
      }
      return out;
    };
    return concat(first, edge$.pipe(mergeMap(follow)));
  });
