import fc from 'fast-check';
import { asyncScheduler, concat, connect, defaultIfEmpty, defer, filter, from, map, merge, mergeMap, Observable, of, type OperatorFunction, takeUntil, tap, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { blockedMessage, blockers, changes, groupOfPin, groupState, type GroupState, observe, planInterlock, startupMessage, startupOffs, supersededMessage, switchesOn } from '../../src/core/interlock';
import type { Level } from '../../src/core/model';
import type { Output } from '../../src/core/outputs';
import { type OutputCommand, rejected } from '../../src/core/requests';
import { stateTopic, writeTopic } from '../../src/core/topics';
import { type InterlockDeps, interlocked } from '../../src/streams/interlock';
import { perPin, type Stop, stopOf } from '../../src/streams/per-pin';
import { pulsing } from '../../src/streams/pulse';

/*
 * streams/interlock is written by hand (no operator per command). The
 * reference below is the RxJS composition it replaced, verbatim: a gate per
 * command through mergeMap, takeUntil the group's next command, a multicast
 * per group and per gate. On random commands, timings, dead times, start-up
 * levels and lines that cannot be switched off, both must give the same
 * outputs at the same (virtual) times, and end alike.
 */

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
const referenceInterlocked =
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


/** A line that refuses to go off (its driver fails the write of 0): the gate must not switch on another of its group. */
interface Chip {
  readonly levels: Map<number, Level>;
  readonly stuck: ReadonlySet<number>;
}

/**
 * What `run` is in the service, reduced: each pin's behaviour (a pulse's
 * switch-back), then a write on a fake chip answered with its state, or a
 * rejection for a stuck line's off.
 */
const runOn =
  (chip: Chip) =>
  (command$: Observable<OutputCommand | Stop>): Observable<Output> =>
    command$.pipe(
      perPin(pulsing((c: OutputCommand) => (c._tag === 'Pulse' ? c.durationMs : undefined))),
      map((w): Output => {
        const level: Level = w._tag === 'Write' ? w.level : w._tag === 'Pulse' ? 1 : 0;
        const topic = w._tag === 'SwitchBack' ? `gpio/t/${w.pin}/pulse` : w.topic;
        if (level === 0 && chip.stuck.has(w.pin)) return rejected({ topic, error: 'stuck', long_description: `pin ${w.pin} stuck on` });
        chip.levels.set(w.pin, level);
        return { _tag: 'State', pin: w.pin, level, ...(w._tag === 'SwitchBack' ? {} : { reply: { qos: 0 as const } }) };
      }),
    );

const GROUPS = [[20, 21, 22], [23, 24]];
const PINS = [8, 20, 21, 22, 23, 24];

const command = fc.record({
  gap: fc.integer({ min: 0, max: 6 }),
  pin: fc.constantFrom(...PINS),
  kind: fc.constantFrom('on', 'on', 'off', 'pulse', 'stop'),
  ms: fc.integer({ min: 1, max: 12 }),
});

describe('interlocked: by hand against its RxJS composition', () => {
  it('gives the same outputs at the same times, and ends alike, for any commands, dead time, start-up levels and stuck lines', () => {
    fc.assert(
      fc.property(
        fc.array(command, { maxLength: 16 }),
        fc.integer({ min: 0, max: 8 }),
        fc.subarray(PINS),
        fc.subarray([20, 21, 22, 23]),
        fc.boolean(),
        (commands, delayMs, startOn, stuck, completes) => {
          const values: Record<string, OutputCommand | Stop> = {};
          let marble = '';
          commands.forEach((c, i) => {
            const key = String.fromCharCode(97 + i);
            const topic = `gpio/t/${c.pin}/${c.kind === 'pulse' ? 'pulse' : 'write'}`;
            values[key] =
              c.kind === 'stop'
                ? stopOf(c.pin)
                : c.kind === 'pulse'
                  ? { _tag: 'Pulse', topic, pin: c.pin, durationMs: c.ms, reply: { qos: 0 } }
                  : { _tag: 'Write', topic, pin: c.pin, level: c.kind === 'on' ? 1 : 0, reply: { qos: 0 } };
            marble += `${c.gap === 0 ? '' : `${c.gap}ms `}${key} `;
          });
          marble += completes ? '|' : '';
          const outcome = (op: (deps: InterlockDeps) => OperatorFunction<OutputCommand | Stop, Output>) => {
            let seen: unknown;
            new TestScheduler((actual) => (seen = actual)).run(({ cold, expectObservable }) => {
              const chip: Chip = { levels: new Map(PINS.map((p) => [p, startOn.includes(p) ? 1 : 0])), stuck: new Set(stuck) };
              const deps: InterlockDeps = {
                interlocks: { groups: GROUPS, delayMs },
                thing: 't',
                levelAt: (pin) => chip.levels.get(pin),
                run: runOn(chip),
              };
              expectObservable(cold(marble, values).pipe(op(deps)), '^ 150ms !').toBe('');
            });
            return seen;
          };
          expect(outcome(interlocked)).toEqual(outcome(referenceInterlocked));
        },
      ),
      { numRuns: 400 },
    );
  });
});
