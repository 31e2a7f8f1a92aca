import { Observable, type Subscription, timer } from 'rxjs';
import type { Level } from '../core/model';
import type { LevelObservation } from '../core/observation';

export interface DebounceDeps {
  /**
   * The window per pin, in milliseconds: how long a new level must hold
   * before it is published. 0 (or less) publishes every change at once.
   */
  readonly debounceMs: (pin: number) => number;
}

interface PinState {
  /** The level last emitted for the pin. */
  emitted: Level;
  /** The window running for the other level, if any. */
  pending?: Subscription;
}

/**
 * Debounce as users mean it: a pin's new level is emitted only once it has
 * held for the pin's window, measured from its first observation. Not a rate
 * limit and not "first edge wins": a bounce back to the last emitted level
 * inside the window cancels it and emits nothing, and repeated observations
 * of the pending level (a poll seeing it again) do not restart the window.
 *
 * A pin's first observation is emitted at once, so start-up publishes each
 * level without waiting. Pins are independent. The window runs on the
 * scheduler's clock (`timer`), so it is virtual inside `TestScheduler.run`.
 *
 * What comes out is the very observation that started the stable run (any
 * extra fields kept), so its `at` says when the line changed, not when the
 * window ended.
 *
 * Completion of the input completes the output at once: a level still inside
 * its window is dropped, since nobody saw it hold. Unsubscribing cancels every
 * window.
 */
export const debounceLevels = <T extends Pick<LevelObservation, 'pin' | 'level'>>(observation$: Observable<T>, deps: DebounceDeps): Observable<T> =>
  new Observable<T>((subscriber) => {
    const pins = new Map<number, PinState>();
    const emit = (state: PinState, o: T): void => {
      state.emitted = o.level;
      subscriber.next(o);
    };
    const cancel = (state: PinState): void => {
      state.pending?.unsubscribe();
      state.pending = undefined;
    };
    const source = observation$.subscribe({
      next: (o) => {
        const state = pins.get(o.pin);
        if (state === undefined) {
          pins.set(o.pin, { emitted: o.level });
          subscriber.next(o);
          return;
        }
        if (o.level === state.emitted) return cancel(state);
        // Levels are binary: a pending window is always for this very level.
        if (state.pending !== undefined) return;
        const windowMs = deps.debounceMs(o.pin);
        if (windowMs <= 0) return emit(state, o);
        state.pending = timer(windowMs).subscribe(() => {
          state.pending = undefined;
          emit(state, o);
        });
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      source.unsubscribe();
      for (const state of pins.values()) cancel(state);
    };
  });
