import { defer, EMPTY, map, merge, mergeMap, type Observable, of } from 'rxjs';
import type { InputSettings } from '../core/input-settings';
import type { InputEdge } from '../core/observation';
import type { Count } from '../core/outputs';
import { countPulses } from './counter';

/**
 * Each counting pin's count: 0 at subscription (a count starts with the
 * service), then after each edge its counter counts, and every count again
 * on each `resync$` (after a reconnect).
 */
export const pinCounts = (
  edge$: Observable<InputEdge>,
  settings: Pick<InputSettings, 'count' | 'counted'>,
  resync$: Observable<unknown> = EMPTY,
): Observable<Count> =>
  defer(() => {
    if (settings.counted.length === 0) return EMPTY;
    const latest = new Map(settings.counted.map((pin) => [pin, 0]));
    const all = (): Count[] => [...latest].map(([pin, count]) => ({ _tag: 'Count', pin, count }));
    const counted$ = countPulses(edge$, { mode: settings.count }).pipe(
      map(({ pin, count }): Count => {
        latest.set(pin, count);
        return { _tag: 'Count', pin, count };
      }),
    );
    return merge(of(...all()), counted$, resync$.pipe(mergeMap(all)));
  });
