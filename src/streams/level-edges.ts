import { defer, mergeMap, type Observable } from 'rxjs';
import type { Level } from '../core/model';
import type { InputEdge, LevelObservation } from '../core/observation';

/**
 * Level changes (from `debounceLevels`, `edgesToLevels` or a poll) to the
 * edges they are: a pin's first level is no edge and a repeat of its level
 * is none either, so neither is emitted. `at` becomes `timestampNs`.
 * It must see each pin's first level: subscribe it with the stream that
 * emits them, not late to a shared one.
 */
export const edgesOfLevels = (level$: Observable<Pick<LevelObservation, 'pin' | 'level' | 'at'>>): Observable<InputEdge> =>
  defer(() => {
    const last = new Map<number, Level>();
    return level$.pipe(
      mergeMap(({ pin, level, at }): InputEdge[] => {
        const before = last.get(pin);
        last.set(pin, level);
        if (before === undefined || before === level) return [];
        return [at === undefined ? { pin, rising: level === 1 } : { pin, rising: level === 1, timestampNs: at }];
      }),
    );
  });
