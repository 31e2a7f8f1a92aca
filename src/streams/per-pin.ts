import { isObservable, Observable, type OperatorFunction, type Subscriber, type Subscription } from 'rxjs';

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

/** One pin's commands, as `groupBy` would keep them: its running behaviour, and who listens for its Stop. */
interface Group<O> {
  /** The running behaviour, while it runs. */
  running: Subscription | undefined;
  /** Counts the group's commands: a behaviour whose number is not the latest was switched away from. */
  latest: number;
  /** The group took its Stop, or the commands ended: later commands for the pin are dropped (groupBy + takeWhile drop them). */
  ended: boolean;
  /** Ended with no behaviour running: the group's part of the output is over, and what it still emits is dropped. */
  done: boolean;
  readonly listeners: Array<Subscriber<Stop>>;
  /** What a behaviour sees of its pin's Stops: the Stops, then the end of the commands. */
  readonly stopped$: Observable<Stop>;
  readonly emit: (o: O) => void;
}

/**
 * Output behaviours keyed by pin, redux-observable's cancellation recipe:
 * each pin's commands in their own group (`groupBy`), each command's
 * behaviour replacing the last one's (`switchMap`), so a write cancels the
 * pin's pulse and a new pulse restarts it, and pins never wait on each other.
 * A {@link Stop} for a pin ends its group: the running behaviour sees it on
 * `stopped$` and finishes, then the group completes; the pin's later
 * commands are dropped. Errors are values upstream: a behaviour does not fail.
 *
 * It does what `groupBy` + `takeWhile` + `switchMap` do, in one operator
 * (spec/streams/per-pin-switch holds it to them on random commands and
 * stops): a command passes no group Subject and no inner operators, and a
 * behaviour's array is emitted at once, without the subscription `switchMap`
 * would make for it (a plain write, the commonest command). As with
 * `switchMap`, a command that arrives while an array is being emitted (fed
 * back synchronously from downstream) cuts off the rest of that array, and
 * the result completes when the commands have and no behaviour still runs.
 */
export const perPin =
  <C extends { readonly pin: number }, O>(behaviour: Behaviour<C, O>): OperatorFunction<C | Stop, O> =>
  (command$) =>
    new Observable<O>((subscriber) => {
      const groups = new Map<number, Group<O>>();
      // Groups not done yet, and whether the commands have ended: the output completes when both say so.
      let open = 0;
      let commandsDone = false;
      const finishIfDone = (): void => {
        if (commandsDone && open === 0) subscriber.complete();
      };
      const groupDone = (g: Group<O>): void => {
        if (g.done) return;
        g.done = true;
        open -= 1;
        finishIfDone();
      };
      const newGroup = (): Group<O> => {
        const listeners: Array<Subscriber<Stop>> = [];
        const g: Group<O> = {
          running: undefined,
          latest: 0,
          ended: false,
          done: false,
          listeners,
          stopped$: new Observable<Stop>((s) => {
            listeners.push(s);
            return () => {
              const i = listeners.indexOf(s);
              if (i >= 0) listeners.splice(i, 1);
            };
          }),
          emit: (o) => {
            if (!g.done) subscriber.next(o);
          },
        };
        return g;
      };
      const end = (g: Group<O>): void => {
        g.ended = true;
        if (g.running === undefined) groupDone(g);
      };
      // switchMap's step: unsubscribe the running behaviour, then run the command's.
      const run = (g: Group<O>, command: C): void => {
        const mine = ++g.latest;
        g.running?.unsubscribe();
        g.running = undefined;
        const out = behaviour(command, g.stopped$);
        if (!isObservable(out)) {
          for (const o of out) {
            if (g.latest !== mine || g.done) return;
            subscriber.next(o);
          }
          return;
        }
        let ended = false;
        const sub = out.subscribe({
          next: g.emit,
          error: (e: unknown) => subscriber.error(e),
          complete: () => {
            ended = true;
            if (g.latest !== mine) return;
            g.running = undefined;
            if (g.ended) groupDone(g);
          },
        });
        if (!ended && g.latest === mine) g.running = sub;
      };
      const commands = command$.subscribe({
        next: (c) => {
          let g = groups.get(c.pin);
          if (g === undefined) {
            g = newGroup();
            groups.set(c.pin, g);
            open += 1;
          }
          if (isStop(c)) {
            // As the group's Subject would deliver it: to its takeWhile first, then to each behaviour listening now.
            if (!g.ended) end(g);
            for (const l of [...g.listeners]) l.next(c);
          } else if (!g.ended) run(g, c);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          for (const g of groups.values()) {
            if (!g.ended) end(g);
            for (const l of [...g.listeners]) l.complete();
          }
          commandsDone = true;
          finishIfDone();
        },
      });
      return () => {
        commands.unsubscribe();
        for (const g of groups.values()) g.running?.unsubscribe();
      };
    });

/** One Stop per pin, by pin number: shutdown ends every pin's behaviour in a known order. */
const stopsOf = (pins: Iterable<number>): Stop[] => [...pins].sort((a, b) => a - b).map(stopOf);

/**
 * The commands until the first emission of `stop$`, or their end, then a
 * {@link Stop} for each of `pins()` (looked at then) and nothing more: the
 * way into {@link perPin} for a host that must leave lines off when it stops.
 * An error of the commands (or of `stop$`) is passed on after the stops.
 *
 * It does what `concat(command$.pipe(takeUntil(stop$), catchError(stops then
 * the error)), defer(stops))` does (spec/streams/then-stop holds it to that),
 * in one step: every command passes it on the way to its pin.
 */
export const thenStop =
  <C>(stop$: Observable<unknown>, pins: () => Iterable<number>): OperatorFunction<C, C | Stop> =>
  (command$) =>
    new Observable<C | Stop>((subscriber) => {
      let over = false;
      let notifier: Subscription | undefined;
      let commands: Subscription | undefined;
      const finish = (failure?: { readonly error: unknown }): void => {
        if (over) return;
        over = true;
        notifier?.unsubscribe();
        commands?.unsubscribe();
        for (const stop of stopsOf(pins())) {
          if (subscriber.closed) return;
          subscriber.next(stop);
        }
        if (failure === undefined) subscriber.complete();
        else subscriber.error(failure.error);
      };
      // As takeUntil: `stop$` first, so one that emits at once lets no command through.
      notifier = stop$.subscribe({ next: () => finish(), error: (error: unknown) => finish({ error }) });
      if (over) notifier.unsubscribe();
      else commands = command$.subscribe({ next: (c) => subscriber.next(c), error: (error: unknown) => finish({ error }), complete: () => finish() });
      return () => {
        notifier?.unsubscribe();
        commands?.unsubscribe();
      };
    });
