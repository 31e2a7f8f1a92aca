import { asyncScheduler, merge, Observable, type OperatorFunction, type Subscription, timer } from 'rxjs';
import { blockedMessage, blockers, changes, groupOfPin, groupState, type GroupState, type Interlocks, observe, planInterlock, startupMessage, startupOffs, supersededMessage, switchesOn } from '../core/interlock';
import type { Level } from '../core/model';
import type { Output } from '../core/outputs';
import { type OutputCommand, rejected } from '../core/requests';
import { stateTopic, writeTopic } from '../core/topics';
import { type Feed, feed } from './feed';
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

const isStop = (c: Item): c is Stop => c._tag === 'Stop';

/** A command waiting out the dead time. */
interface Wait {
  timer: Subscription | undefined;
  over: boolean;
  /** The group's next command replaces a waiting on, answered on the error topic (absent: it waits whatever comes). */
  replaced?: () => void;
}

/**
 * One group's commands, one at a time: an on switches the others of the
 * group off first (each off is a write of 0, so a pulse in progress there
 * ends, and its state is published), then waits out the dead time, then
 * switches on. A command for the group that comes during that wait replaces
 * the waiting one, which is answered on the error topic: latest wins, as
 * `switchMap` per group. Offs and the commands that do not switch on go at
 * once. What the group believes of its lines is what `run` answered, so an
 * off that failed keeps the on from happening (answered on the error topic).
 *
 * Written by hand, a command with no wait passes no operator here: the offs
 * and the on go to `run` in one synchronous pass. It does what its RxJS
 * composition did (`mergeMap` of a gate per command, `takeUntil` the group's
 * next command, `defaultIfEmpty` the superseded answer; kept in
 * spec/streams/interlock-reference as the reference it is held to).
 */
const interlockGroup = (command$: Observable<Item>, group: ReadonlyArray<number>, deps: InterlockDeps): Observable<Output> =>
  new Observable<Output>((subscriber) => {
    const now = deps.now ?? (() => asyncScheduler.now());
    const members = new Set(group);
    let state: GroupState = groupState(group.filter((p) => deps.levelAt(p) === 1));
    const offCommand = (pin: number): OutputCommand => ({ _tag: 'Write', topic: writeTopic(deps.thing, pin), pin, level: 0 });
    const toRun = feed<Item>();
    const waits = new Set<Wait>();
    // The waiting on the group's next command replaces, if any.
    let waiting: Wait | undefined;
    let commandsDone = false;
    const endIfDone = (): void => {
      if (commandsDone && waits.size === 0) toRun.complete();
    };

    const ran = deps.run(toRun.source$).subscribe({
      next: (o) => {
        // The clock is read only when the group's knowledge changes: most states are answers that change nothing.
        // A PWM output is on while its duty is above 0 (its line is high for part of every period).
        if (o._tag === 'State' || o._tag === 'PwmState') {
          const level: Level = o._tag === 'State' ? o.level : o.setting.duty > 0 ? 1 : 0;
          if (members.has(o.pin) && changes(state, o.pin, level)) state = observe(state, o.pin, level, now());
        }
        subscriber.next(o);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });

    /**
     * The command, now due, looked at again: an off that failed leaves its pin
     * on, and the on does not happen; a timer that fired early (a real clock
     * finer than the timer's) leaves the rest to wait, returned.
     */
    const due = (c: OutputCommand, on: boolean): number => {
      const still = on ? blockers(state, c.pin) : [];
      if (still.length > 0) {
        subscriber.next(rejected(blockedMessage(c.topic, c.pin, still), c.reply));
        return 0;
      }
      const left = planInterlock(state, c.pin, on, deps.interlocks.delayMs, now()).waitMs;
      if (left === 0) toRun.next(c);
      return left;
    };
    const wait = (c: OutputCommand, on: boolean, ms: number, replaceable: boolean): void => {
      const w: Wait = { timer: undefined, over: false };
      const finish = (): void => {
        w.over = true;
        waits.delete(w);
        if (waiting === w) waiting = undefined;
        endIfDone();
      };
      const arm = (delay: number): void => {
        w.timer = timer(delay).subscribe(() => {
          const left = due(c, on);
          if (left > 0) arm(left);
          else finish();
        });
      };
      if (replaceable) {
        w.replaced = () => {
          if (w.over) return;
          w.timer?.unsubscribe();
          subscriber.next(rejected(supersededMessage(c.topic, c.pin, group), c.reply));
          finish();
        };
        waiting = w;
      }
      waits.add(w);
      arm(ms);
    };
    const gate = (c: Item): void => {
      if (isStop(c)) return toRun.next(c);
      const on = switchesOn(c);
      const plan = planInterlock(state, c.pin, on, deps.interlocks.delayMs, now());
      for (const p of plan.offs) toRun.next(offCommand(p));
      if (plan.waitMs > 0) return wait(c, on, plan.waitMs, true);
      // No wait (the common case, and every case with no dead time): the on right after its offs.
      const left = due(c, on);
      if (left > 0) wait(c, on, left, false);
    };

    // Kept levels (`initial: keep`) may start two of a group on: all of them go off, and the error topic says why.
    const atStart = startupOffs(state);
    for (const p of atStart) toRun.next(offCommand(p));
    if (atStart.length > 0) subscriber.next(rejected(startupMessage(stateTopic(deps.thing, atStart[0] ?? 0), atStart)));

    const commands = command$.subscribe({
      next: (c) => {
        // The wait this command replaces: the one there was when it came, told after the command's own gate ran.
        const replaced = waiting;
        gate(c);
        replaced?.replaced?.();
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        commandsDone = true;
        endIfDone();
      },
    });
    return () => {
      commands.unsubscribe();
      for (const w of waits) w.timer?.unsubscribe();
      ran.unsubscribe();
    };
  });

/**
 * Output commands in, their answers out, with no two pins of an interlock
 * group ever on at once: each group's commands go through its gate
 * ({@link interlockGroup}), the pins in no group straight to `run`, as
 * before. With no groups, this is `run` itself. Each command is handed to
 * its group (or to the pins in no group) by one look-up, not offered to a
 * filter per group.
 */
export const interlocked =
  (deps: InterlockDeps): OperatorFunction<Item, Output> =>
  (command$) => {
    const { groups } = deps.interlocks;
    if (groups.length === 0) return deps.run(command$);
    const groupOf = groupOfPin(deps.interlocks);
    return new Observable<Output>((subscriber) => {
      const free = feed<Item>();
      const gates = groups.map(() => feed<Item>());
      // In a multicast's order: the pins in no group first, then each group.
      const all = [free, ...gates];
      const outputs = merge(deps.run(free.source$), ...groups.map((group, i) => interlockGroup((gates[i] as Feed<Item>).source$, group, deps))).subscribe(subscriber);
      outputs.add(
        command$.subscribe({
          next: (c) => {
            const i = groupOf.get(c.pin);
            (i === undefined ? free : (gates[i] as Feed<Item>)).next(c);
          },
          error: (e: unknown) => all.forEach((f) => f.error(e)),
          complete: () => all.forEach((f) => f.complete()),
        }),
      );
      return outputs;
    });
  };
