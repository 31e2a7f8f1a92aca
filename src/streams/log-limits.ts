import { buffer, connect, count, debounceTime, exhaustMap, filter, map, merge, type Observable, of, skip, take, takeUntil, timer } from 'rxjs';

/**
 * Log volume limits, as stream units: a flood of bad requests must not fill
 * an SD card with log lines, yet each is still answered on MQTT (that is the
 * sink's job; these only shape what is logged).
 */

/** One event logged in full, or a count of those that were not. */
export type Limited<A> = { readonly _tag: 'Each'; readonly value: A } | { readonly _tag: 'Suppressed'; readonly count: number };

/**
 * At most `perWindow` events in full per window of `windowMs`, then, when
 * the window closes, one `Suppressed` with how many more there were. A window
 * opens at the first event after the previous one closed, so a lone event is
 * always logged at once.
 */
export const rateLimit =
  <A>(perWindow: number, windowMs: number) =>
  (event$: Observable<A>): Observable<Limited<A>> =>
    event$.pipe(
      connect((shared$) =>
        shared$.pipe(
          exhaustMap((first) =>
            merge(of(first), shared$).pipe(
              takeUntil(timer(windowMs)),
              connect((window$) =>
                merge(
                  window$.pipe(
                    take(perWindow),
                    map((value): Limited<A> => ({ _tag: 'Each', value })),
                  ),
                  window$.pipe(
                    skip(perWindow),
                    count(),
                    filter((n) => n > 0),
                    map((n): Limited<A> => ({ _tag: 'Suppressed', count: n })),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );

/**
 * One count per burst: the events are gathered until `quietMs` pass without
 * one, then counted by `keyOf`. Retained requests arrive in a burst right
 * after the service subscribes; two thousand of them make one line.
 */
export const countBursts =
  <A>(quietMs: number, keyOf: (a: A) => string) =>
  (event$: Observable<A>): Observable<Readonly<Record<string, number>>> =>
    event$.pipe(
      connect((shared$) => shared$.pipe(buffer(shared$.pipe(debounceTime(quietMs))))),
      filter((burst) => burst.length > 0),
      map((burst) => {
        const counts: Record<string, number> = {};
        for (const a of burst) counts[keyOf(a)] = (counts[keyOf(a)] ?? 0) + 1;
        return counts;
      }),
    );
