import { Observable, type Subscriber } from 'rxjs';

/** An observable fed by hand, for one subscriber: see {@link feed}. */
export interface Feed<T> {
  /** What the feeding hand passes on, to its one subscriber (the latest, if subscribed again). */
  readonly source$: Observable<T>;
  next(value: T): void;
  error(e: unknown): void;
  complete(): void;
}

/**
 * What a Subject does for a single observer, without its cost per value (a
 * closure and a copy of the observer list on every `next` in RxJS 7): the
 * way a stream unit hands each item to one of its branches itself, where a
 * multicast (`connect`) and a filter per branch would pass every item to
 * every branch. What is fed while no one is subscribed is dropped, as a
 * Subject drops it.
 */
export const feed = <T>(): Feed<T> => {
  let to: Subscriber<T> | undefined;
  return {
    source$: new Observable<T>((s) => {
      to = s;
      return () => {
        if (to === s) to = undefined;
      };
    }),
    next: (value) => to?.next(value),
    error: (e) => to?.error(e),
    complete: () => to?.complete(),
  };
};
