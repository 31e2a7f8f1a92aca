import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import { blockers, groupState, observe, planInterlock, startupOffs, switchesOn } from '../../src/core/interlock';

const env = { AWS_IOT_THING_NAME: 't1' };

const problems = (raw: unknown): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('core/interlock: the pure decisions', () => {
  it('an on switches the other pins of the group that are on off, by pin number, and waits the delay after them', () => {
    const s = groupState([24, 22]);
    expect(planInterlock(s, 23, true, 50, 1000)).toEqual({ offs: [22, 24], waitMs: 50 });
  });

  it('an off, or a command that does not switch on, needs no offs and no wait', () => {
    const s = observe(groupState([20]), 21, 0, 990);
    expect(planInterlock(s, 21, false, 50, 1000)).toEqual({ offs: [], waitMs: 0 });
  });

  it('the wait counts from the last time another pin of the group went off, not from its own', () => {
    let s = groupState([20, 21]);
    s = observe(s, 20, 0, 1000); // 20 off at 1000
    s = observe(s, 21, 0, 1030); // 21 off at 1030
    expect(planInterlock(s, 21, true, 50, 1040)).toEqual({ offs: [], waitMs: 10 }); // 20's dead time ends at 1050
    expect(planInterlock(s, 20, true, 50, 1040)).toEqual({ offs: [], waitMs: 40 }); // 21's at 1080
    expect(planInterlock(s, 22, true, 50, 2000)).toEqual({ offs: [], waitMs: 0 }); // long past
  });

  it('a level that does not change the pin leaves its dead time as it was', () => {
    const s = observe(groupState([20]), 20, 0, 1000);
    expect(observe(s, 20, 0, 1020)).toBe(s);
    expect(planInterlock(observe(s, 20, 0, 1020), 21, true, 50, 1040).waitMs).toBe(10);
  });

  it('blockers are the other pins still on; start-up switches every on pin off only when more than one is', () => {
    expect(blockers(groupState([20, 21]), 20)).toEqual([21]);
    expect(blockers(groupState([20]), 20)).toEqual([]);
    expect(startupOffs(groupState([21, 20]))).toEqual([20, 21]);
    expect(startupOffs(groupState([21]))).toEqual([]);
  });

  it('writes of 1 and pulses switch on; writes of 0 do not', () => {
    expect(switchesOn({ _tag: 'Write', topic: 'x', pin: 1, level: 1 })).toBe(true);
    expect(switchesOn({ _tag: 'Write', topic: 'x', pin: 1, level: 0 })).toBe(false);
    expect(switchesOn({ _tag: 'Pulse', topic: 'x', pin: 1, durationMs: 5 })).toBe(true);
  });
});

describe('config: interlocks and interlockDelay', () => {
  it('decodes groups of configured outputs, with the delay (0 by default)', () => {
    const r = decodeConfig({ OutputGpios: '20,21,22,23,24', interlocks: [[20, 21], [22, 23, 24]], interlockDelay: 50 }, env);
    expect(E.isRight(r) && r.right.interlocks).toEqual({ groups: [[20, 21], [22, 23, 24]], delayMs: 50 });
    const d = decodeConfig({ OutputGpios: '20,21', interlocks: [[20, 21]] }, env);
    expect(E.isRight(d) && d.right.interlocks).toEqual({ groups: [[20, 21]], delayMs: 0 });
    const none = decodeConfig({ OutputGpios: '20,21' }, env);
    expect(E.isRight(none) && none.right.interlocks).toBeUndefined();
  });

  it('lists every problem by path: not an output, in two groups, too small, not a number, not a list', () => {
    expect(
      problems({
        InputGpios: '5',
        OutputGpios: '20,21,22',
        pins: [{ pin: 23, direction: 'output' }],
        interlocks: [[20, 5], [21, 30], [20, 22], [23], [21, 'x'], 7],
      }),
    ).toEqual([
      'interlocks[0][1]: pin 5 is an input (InputGpios); only outputs can be interlocked',
      'interlocks[1][1]: pin 30 is not a configured output',
      'interlocks[2][0]: pin 20 is also in interlocks[0]',
      'interlocks[3]: a group needs two pins or more, got 1',
      'interlocks[4][0]: pin 21 is also in interlocks[1]',
      'interlocks[4][1]: expected integer, got "x"',
      'interlocks[5]: expected a list of two or more output pins, like [20, 21], got 7',
    ]);
  });

  it('a pin twice in one group, and interlocks that is no list', () => {
    expect(problems({ OutputGpios: '20,21', interlocks: [[20, 21, 20]] })).toEqual(['interlocks[0][2]: pin 20 is listed twice in this group']);
    expect(problems({ OutputGpios: '20,21', interlocks: { a: 1 } })).toEqual(['interlocks: expected a list of groups of output pins, like [[20, 21], [22, 23, 24]], got {"a":1}']);
  });

  it('two pins of a group that start high are an error naming both places', () => {
    expect(
      problems({
        OutputGpios: '20H,21',
        pins: [{ pin: 22, direction: 'output', initial: 'high' }],
        interlocks: [[20, 21, 22]],
      }),
    ).toEqual(['interlocks[0]: pins 20 (OutputGpios) and 22 (pins[0].initial) both start on: at most one pin of an interlock group may start high (or with a PWM duty above 0)']);
    // One high and one low is fine; so are two highs in different groups.
    expect(E.isRight(decodeConfig({ OutputGpios: '20H,21L,22H,23', interlocks: [[20, 21], [22, 23]] }, env))).toBe(true);
  });

  it('two pins of a group with failsafe: high are an error naming both places (the failsafe passes the interlock)', () => {
    const out = (pin: number, failsafe: string) => ({ pin, direction: 'output', failsafe, failsafeAfter: 1000 });
    expect(problems({ pins: [out(20, 'high'), out(21, 'low'), out(22, 'high')], interlocks: [[20, 21, 22]] })).toEqual([
      'interlocks[0]: pins 20 (pins[0].failsafe) and 22 (pins[2].failsafe) both have failsafe: high: at most one pin of an interlock group may go high when the broker is lost',
    ]);
    // One high and the others low or kept is fine.
    expect(E.isRight(decodeConfig({ pins: [out(20, 'high'), out(21, 'low'), { pin: 22, direction: 'output' }], interlocks: [[20, 21, 22]] }, env))).toBe(true);
  });

  it('a PWM output with a duty above 0 starts on: two in a group, or one beside a high, are an error', () => {
    expect(
      problems({
        OutputGpios: '20H,21',
        pins: [{ pin: 22, direction: 'output', pwm: { frequency: 100, duty: 0.5 } }],
        interlocks: [[20, 21, 22]],
      }),
    ).toEqual(['interlocks[0]: pins 20 (OutputGpios) and 22 (pins[0].pwm) both start on: at most one pin of an interlock group may start high (or with a PWM duty above 0)']);
    // A PWM at duty 0 starts off.
    expect(E.isRight(decodeConfig({ OutputGpios: '20H,21', pins: [{ pin: 22, direction: 'output', pwm: { frequency: 100, duty: 0 } }], interlocks: [[20, 21, 22]] }, env))).toBe(true);
  });

  it('interlockDelay is whole milliseconds 0-60000', () => {
    expect(problems({ OutputGpios: '20,21', interlocks: [[20, 21]], interlockDelay: -1 })).toEqual(['interlockDelay: expected an integer 0-60000, got -1']);
  });
});
