import { connect, filter, map, merge, type Observable } from 'rxjs';
import * as errors from '../core/errors';
import type { InputSettings } from '../core/input-settings';
import { type EdgeGap, isObservation, type LevelObservation, type Watched } from '../core/observation';
import { type Output, state } from '../core/outputs';
import type { Rejected } from '../core/requests';
import { stateTopic } from '../core/topics';
import { debounceLevels } from './debounce';
import { pinEvents } from './events';
import { latestCounts } from './latest-counts';
import { edgesOfLevels } from './level-edges';
import { pinCounts } from './pin-counts';

export interface FanOutDeps {
  readonly thing: string;
  readonly settings: InputSettings;
  /** Each emission republishes every count (after a reconnect). */
  readonly resync$?: Observable<unknown>;
}

const toState = (o: LevelObservation): Output => state(o.pin, o.level);

/**
 * Levels, debounced where a pin has a window, to states; and, once, to the
 * edges they are, which become events and counts (a burst's counts
 * coalesced per pin: `latestCounts`). Settings that say no pin debounces,
 * publishes events or counts (as for the Greengrass strings) skip those
 * units: the path is then the poll's alone.
 */
const fanOut = (level$: Observable<LevelObservation>, deps: FanOutDeps): Observable<Output> => {
  const { settings } = deps;
  const all = settings.debounces === undefined || settings.publishesEvents === undefined;
  const debounced$ = all || settings.debounces === true ? debounceLevels(level$, settings) : level$;
  if (!all && settings.publishesEvents === false && settings.counted.length === 0) return debounced$.pipe(map(toState));
  const hasEdges = (o: LevelObservation): boolean => settings.events(o.pin) !== undefined || settings.count(o.pin) !== undefined;
  return debounced$.pipe(
    connect((levels) =>
      merge(
        levels.pipe(map(toState)),
        edgesOfLevels(levels.pipe(filter(hasEdges))).pipe(
          connect((edges) => merge(pinEvents(edges, settings), latestCounts(pinCounts(edges, settings, deps.resync$)))),
        ),
      ),
    ),
  );
};

/**
 * Watched levels to outputs: gaps and failures to the error topic; levels
 * debounced per pin, then to states, events and counts (in that order for
 * one change).
 */
export const inputOutputs = (watched$: Observable<Watched>, deps: FanOutDeps): Observable<Output> =>
  watched$.pipe(
    connect((all) =>
      merge(
        all.pipe(
          filter((w): w is EdgeGap | Rejected => !isObservation(w)),
          map((w): Output => (w._tag === 'Gap' ? { _tag: 'Rejected', error: errors.eventsLost(stateTopic(deps.thing, w.pin), w.pin, w.missed) } : w)),
        ),
        fanOut(all.pipe(filter(isObservation)), deps),
      ),
    ),
  );
