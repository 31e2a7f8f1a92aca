import { filter, map, type Observable } from 'rxjs';
import { type InputSettings, isEventOf } from '../core/input-settings';
import type { InputEdge } from '../core/observation';
import type { Event } from '../core/outputs';

/**
 * Each pin's events, from its edges (`edgesOfLevels` of its debounced
 * levels): every edge its `edge` setting selects (a polled pin's events are
 * all its changes), with the timestamp of the kernel edge that started it.
 */
export const pinEvents = (edge$: Observable<InputEdge>, settings: Pick<InputSettings, 'events'>): Observable<Event> =>
  edge$.pipe(
    filter((e) => {
      const mode = settings.events(e.pin);
      return mode !== undefined && isEventOf(mode, e.rising);
    }),
    map((e): Event => (e.timestampNs === undefined ? { _tag: 'Event', pin: e.pin, rising: e.rising } : { _tag: 'Event', pin: e.pin, rising: e.rising, timestampNs: e.timestampNs })),
  );
