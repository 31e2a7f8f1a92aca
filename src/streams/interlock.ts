import { asyncScheduler, concat, connect, defaultIfEmpty, defer, filter, from, map, merge, mergeMap, Observable, of, type OperatorFunction, takeUntil, tap, timer } from 'rxjs';
import { blockedMessage, blockers, changes, groupOfPin, groupState, type GroupState, type Interlocks, observe, planInterlock, startupMessage, startupOffs, supersededMessage, switchesOn } from '../core/interlock';
import type { Level } from '../core/model';
import type { Output } from '../core/outputs';
import { type OutputCommand, rejected } from '../core/requests';
import { stateTopic, writeTopic } from '../core/topics';
import type { Stop } from './per-pin';

export interface InterlockDeps {
  readonly interlocks: Interlocks;
  readonly thing: string;
  /** A pin's level when the unit is subscribed (the driver's read; undefined if it failed): kept start-up levels are checked with it. */
  readonly levelAt: (pin: number) => Level | undefined;
  /**
   * Carries commands out: the pins' behaviours (streams/per-pin) and the
   * writes, one answer each. Subscribed once per group and once for the
   * pins in no group; its states are what the interlock believes of a line.
   */
  readonly run: (command$: Observable<OutputCommand | Stop>) => Observable<Output>;
  /**
   * The clock of the dead time, in ms: by default the scheduler's (virtual in
   * marble tests, `Date.now` otherwise); the service gives `performance.now`,
   * finer than a millisecond, so a dead time is never cut by a clock's rounding.
   */
  readonly now?: () => number;
}

type Item = OutputCommand | Stop;
/** What a group's gate lets through: a command to carry out, or an answer the interlock gives itself. */
type Gated = { readonly run: Item } | { readonly answer: Output };

const isStop = (c: Item): c is Stop => c._tag === 'Stop';

/**
 * One group's commands, one at a time: an on switches the others of the
 * group off first (each off is a write of 0, so a pulse in progress there
 * ends, and its state is published), then waits out the dead time, then
 * switches on. A command for the group that comes during that wait replaces
 * the waiting one, which is answered on the error topic: latest wins, as
 * `switchMap` per group. Offs and the commands that do not switch on go at
 * once. What the group believes of its lines is what `run` answered, so an
 * off that failed keeps the on from happening (answered on the error topic).
 */
const interlockGroup = (command$: Observable<Item>, group: ReadonlyArray<number>, deps: InterlockDeps): Observable<Output> =>
  defer(() => {
    const now = deps.now ?? (() => asyncScheduler.now());
    const members = new Set(group);
    let state: GroupState = groupState(group.filter((p) => deps.levelAt(p) === 1));
    const offCommand = (pin: number): OutputCommand => ({ _tag: 'Write', topic: writeTopic(deps.thing, pin), pin, level: 0 });
    const offs = (pins: ReadonlyArray<number>): Observable<Gated> => from(pins.map((p) => ({ run: offCommand(p) })));

    // Kept levels (`initial: keep`) may start two of a group on: all of them go off, and the error topic says why.
    const atStart = startupOffs(state);
    const startup$: Observable<Gated> =
      atStart.length === 0
        ? from([])
        : concat(offs(atStart), of({ answer: rejected(startupMessage(stateTopic(deps.thing, atStart[0] ?? 0), atStart)) }));

    const gate = (c: Item, next$: Observable<Item>): Observable<Gated> => {
      if (isStop(c)) return of({ run: c });
      const on = switchesOn(c);
      const plan = planInterlock(state, c.pin, on, deps.interlocks.delayMs, now());
      // Looked at again when the on is due: an off that failed leaves its pin on, and the on does not happen;
      // a timer that fired early (a real clock finer than the timer's) waits the rest.
      const due$: Observable<Gated> = defer(() => {
        const still = on ? blockers(state, c.pin) : [];
        if (still.length > 0) return of({ answer: rejected(blockedMessage(c.topic, c.pin, still), c.reply) });
        const left = planInterlock(state, c.pin, on, deps.interlocks.delayMs, now()).waitMs;
        return left > 0 ? timer(left).pipe(mergeMap(() => due$)) : of({ run: c });
      });
      // No wait (the common case, and every case with no dead time): the offs and the on in one synchronous pass.
      if (plan.waitMs === 0) {
        return new Observable<Gated>((subscriber) => {
          for (const p of plan.offs) subscriber.next({ run: offCommand(p) });
          return due$.subscribe(subscriber);
        });
      }
      // The group's next command replaces this one; the commands' end does not (it is no command).
      const replaced: Gated = { answer: rejected(supersededMessage(c.topic, c.pin, group), c.reply) };
      // Until the on (or its refusal) is out, re-waits included, the next command replaces it.
      const waited$ = timer(plan.waitMs).pipe(
        mergeMap(() => due$),
        takeUntil(next$),
        defaultIfEmpty(replaced),
      );
      return concat(offs(plan.offs), waited$);
    };

    const gated$ = concat(startup$, command$.pipe(connect((c$) => c$.pipe(mergeMap((c) => gate(c, c$))))));
    return gated$.pipe(
      connect((g$) =>
        merge(
          deps.run(g$.pipe(filter((g): g is { readonly run: Item } => 'run' in g), map((g) => g.run))).pipe(
            tap((o) => {
              // The clock is read only when the group's knowledge changes: most states are answers that change nothing.
              // A PWM output is on while its duty is above 0 (its line is high for part of every period).
              if (o._tag !== 'State' && o._tag !== 'PwmState') return;
              const level: Level = o._tag === 'State' ? o.level : o.setting.duty > 0 ? 1 : 0;
              if (members.has(o.pin) && changes(state, o.pin, level)) state = observe(state, o.pin, level, now());
            }),
          ),
          g$.pipe(filter((g): g is { readonly answer: Output } => 'answer' in g), map((g) => g.answer)),
        ),
      ),
    );
  });

/**
 * Output commands in, their answers out, with no two pins of an interlock
 * group ever on at once: each group's commands go through its gate
 * ({@link interlockGroup}), the pins in no group straight to `run`, as
 * before. With no groups, this is `run` itself.
 */
export const interlocked =
  (deps: InterlockDeps): OperatorFunction<Item, Output> =>
  (command$) => {
    const { groups } = deps.interlocks;
    if (groups.length === 0) return deps.run(command$);
    const groupOf = groupOfPin(deps.interlocks);
    return command$.pipe(
      connect((c$) =>
        merge(
          deps.run(c$.pipe(filter((c) => !groupOf.has(c.pin)))),
          ...groups.map((group, i) => interlockGroup(c$.pipe(filter((c) => groupOf.get(c.pin) === i)), group, deps)),
        ),
      ),
    );
  };
