import { concat, defer, filter, from, groupBy, isObservable, mergeMap, Observable, type OperatorFunction, type Subscription, takeUntil, takeWhile, catchError, throwError } from 'rxjs';

/** Ends whatever behaviour runs on `pin`, the way that behaviour must leave its line (a pulse: off). */
export interface Stop {
  readonly _tag: 'Stop';
  readonly pin: number;
}

export const stopOf = (pin: number): Stop => ({ _tag: 'Stop', pin });

const isStop = (c: object): c is Stop => (c as Partial<Stop>)._tag === 'Stop';

/**
 * What one command does to its pin's line over time: the items to carry out,
 * the command itself first, then whatever the behaviour adds later (a pulse's
 * switch-back). The pin's next command unsubscribes it: a behaviour cancelled
 * that way writes nothing more. `stopped$` emits when the pin is stopped
 * instead: a behaviour still running then finishes at once, leaving the line
 * as it must (a pulse: with its switch-back), and completes. A behaviour with
 * nothing to add later (a plain write) answers with an array: its items are
 * carried out at once, as `of(...items)` would be, with no subscription.
 */
export type Behaviour<C, O> = (command: C, stopped$: Observable<Stop>) => Observable<O> | ReadonlyArray<O>;

/**
 * `switchMap` for behaviours: each command unsubscribes the running behaviour
 * (if any), then runs its own. An array's items are emitted at once, without
 * the inner subscription `switchMap` would make for them: a plain write, the
 * commonest command, passes one operator instead of four. As with
 * `switchMap`, a command that arrives while an array is being emitted (fed
 * back synchronously from downstream) cuts off the rest of that array, and
 * the result completes when the commands have and no behaviour still runs.
 */
const switchBehaviour =
  <C, O>(run: (command: C) => Observable<O> | ReadonlyArray<O>): OperatorFunction<C, O> =>
  (command$) =>
    new Observable<O>((subscriber) => {
      let running: Subscription | undefined;
      let latest = 0;
      let commandsDone = false;
      const commands = command$.subscribe({
        next: (command) => {
          const mine = ++latest;
          running?.unsubscribe();
          running = undefined;
          const out = run(command);
          if (!isObservable(out)) {
            for (const o of out) {
              if (latest !== mine) return;
              subscriber.next(o);
            }
            return;
          }
          let ended = false;
          const sub = out.subscribe({
            next: (o) => subscriber.next(o),
            error: (e: unknown) => subscriber.error(e),
            complete: () => {
              ended = true;
              if (latest === mine) running = undefined;
              if (commandsDone && latest === mine) subscriber.complete();
            },
          });
          if (!ended && latest === mine) running = sub;
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          commandsDone = true;
          if (running === undefined) subscriber.complete();
        },
      });
      // In switchMap's order: the commands first, then the running behaviour.
      return () => {
        commands.unsubscribe();
        running?.unsubscribe();
      };
    });

/**
 * Output behaviours keyed by pin, redux-observable's cancellation recipe:
 * each pin's commands in their own group (`groupBy`), each command's
 * behaviour replacing the last one's (`switchMap`, as {@link switchBehaviour}), so a write cancels the
 * pin's pulse and a new pulse restarts it, and pins never wait on each other.
 * A {@link Stop} for a pin ends its group: the running behaviour sees it on
 * `stopped$` and finishes, then the group completes. Errors are values
 * upstream: a behaviour does not fail.
 */
export const perPin =
  <C extends { readonly pin: number }, O>(behaviour: Behaviour<C, O>): OperatorFunction<C | Stop, O> =>
  (command$) =>
    command$.pipe(
      groupBy((c) => c.pin),
      mergeMap((pin$) => {
        // Subscribed by each behaviour after the group's own takeWhile: it sees the Stop that ends the group.
        const stopped$ = pin$.pipe(filter(isStop));
        return pin$.pipe(
          takeWhile((c): c is C => !isStop(c)),
          switchBehaviour((c: C) => behaviour(c, stopped$)),
        );
      }),
    );

/** One Stop per pin, by pin number: shutdown ends every pin's behaviour in a known order. */
const stops = (pins: Iterable<number>): Observable<Stop> => from([...pins].sort((a, b) => a - b).map(stopOf));

/**
 * The commands until the first emission of `stop$`, or their end, then a
 * {@link Stop} for each of `pins()` (looked at then) and nothing more: the
 * way into {@link perPin} for a host that must leave lines off when it stops.
 * An error of the commands is passed on after the stops.
 */
export const thenStop =
  <C>(stop$: Observable<unknown>, pins: () => Iterable<number>): OperatorFunction<C, C | Stop> =>
  (command$) =>
    concat(
      command$.pipe(
        takeUntil(stop$),
        catchError((e: unknown) => concat(stops(pins()), throwError(() => e))),
      ),
      defer(() => stops(pins())),
    );
