import { asapScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Count } from '../core/outputs';

export interface LatestCountsDeps {
  /** When held counts go out: by default `asapScheduler`, once the burst that brought them has been handed on. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A count is a running total: of the counts a burst brings at once (a batch
 * of edges from the reader thread, a resync), the last of each pin says it
 * all. Holds each pin's latest count and hands them on, in the order the pins
 * first came, once the burst is over (`deps.scheduler`, `asapScheduler` by
 * default: before any timer or I/O callback). A count arriving after that
 * starts the next burst. Completion hands on what is held first; errors and
 * unsubscription are the input's (unsubscribing drops what is held: nothing
 * is held once the synchronous burst is over).
 */
export const latestCounts = (count$: Observable<Count>, deps: LatestCountsDeps = {}): Observable<Count> =>
  new Observable<Count>((subscriber) => {
    const scheduler = deps.scheduler ?? asapScheduler;
    const held = new Map<number, Count>();
    let flush: Subscription | undefined;
    const handOn = (): void => {
      flush = undefined;
      const counts = [...held.values()];
      held.clear();
      for (const c of counts) subscriber.next(c);
    };
    const source = count$.subscribe({
      next: (c) => {
        held.set(c.pin, c);
        flush ??= scheduler.schedule(handOn);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        flush?.unsubscribe();
        handOn();
        subscriber.complete();
      },
    });
    return () => {
      source.unsubscribe();
      flush?.unsubscribe();
    };
  });
