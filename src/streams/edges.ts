import { concat, defer, mergeMap, type Observable } from 'rxjs';
import type { KernelEdge } from '../core/driver';
import type { Level } from '../core/model';
import { type EdgeGap, type LevelObservation, observed } from '../core/observation';

export type { KernelEdge } from '../core/driver';
export type { EdgeGap } from '../core/observation';

/** What `edgesToLevels` emits: a pin's new level, or a gap (events the kernel dropped). */
export type EdgeOutput = LevelObservation | EdgeGap;

export interface EdgeDeps {
  /** Each pin's level read when its edge detection started. */
  readonly initial: ReadonlyMap<number, Level>;
  /**
   * The seqno the first event should carry: 1 (the default) for a fresh line
   * request; `any` when events before it were dropped on purpose (a driver
   * drops what was queued before anyone listened): the first event sets it.
   */
  readonly firstSeqno?: number | 'any';
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
 * request. Edges without a seqno (uAPI v1: libgpiod 1.x) reveal a loss only
 * as a pin's second edge in the same direction, or as an edge the driver
 * marks `lost` (it found the queue full and read the level): a gap of
 * unknown size, before the level. Completion, errors and unsubscription are the input's; each
 * subscription starts again from `deps`.
 */
export const edgesToLevels = (edge$: Observable<KernelEdge>, deps: EdgeDeps): Observable<EdgeOutput> =>
  defer(() => {
    const levels = new Map<number, Level>(deps.initial);
    let expected = deps.firstSeqno === 'any' ? undefined : (deps.firstSeqno ?? 1);
    /** Per pin, the direction of its last edge (seqno-less sources only). */
    const lastRising = new Map<number, boolean>();
    const first = [...levels]
      .sort(([a], [b]) => a - b)
      .map(([pin, level]): EdgeOutput => observed(pin, level));
    const follow = (edge: KernelEdge): EdgeOutput[] => {
      const out: EdgeOutput[] = [];
      if (edge.seqno !== undefined) {
        const missed = expected === undefined ? 0 : missedEvents(expected, edge.seqno);
        if (missed > 0 && expected !== undefined) out.push({ _tag: 'Gap', pin: edge.pin, expected, got: edge.seqno, missed });
        expected = (edge.seqno + 1) % U32;
      } else {
        if (edge.lost === true || lastRising.get(edge.pin) === edge.rising) out.push({ _tag: 'Gap', pin: edge.pin });
        lastRising.set(edge.pin, edge.rising);
      }
      const level: Level = edge.rising ? 1 : 0;
      if (levels.get(edge.pin) !== level) {
        levels.set(edge.pin, level);
        out.push(observed(edge.pin, level, edge.timestampNs));
      }
      return out;
    };
    return concat(first, edge$.pipe(mergeMap(follow)));
  });
