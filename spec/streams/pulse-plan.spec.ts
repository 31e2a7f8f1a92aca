import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { planPulse, PULSE_MAX_MS, PULSE_MIN_MS, pulseDuration, type PulseCommand } from '../../src/core/pulse';

describe('pulseDuration', () => {
  it.each([
    ['500', 500],
    ['"500"', 500],
    [' 250\n', 250],
    [' "250" ', 250],
    ['1', PULSE_MIN_MS],
    ['3600000', PULSE_MAX_MS],
    ['"3600000"', PULSE_MAX_MS],
    ['007', 7],
  ])('accepts %j as %d ms', (payload, ms) => {
    expect(pulseDuration(payload)).toEqual(E.right(ms));
  });

  it.each([
    ['0', '"0"'],
    ['3600001', '"3600001"'],
    ['-5', '"-5"'],
    ['2.5', '"2.5"'],
    ['1e3', '"1e3"'],
    ['0x10', '"0x10"'],
    ['""', '"\\"\\""'],
    ['', '""'],
    ['" 5"', '"\\" 5\\""'],
    ['"5', '"\\"5"'],
    ['{"ms":5}', '"{\\"ms\\":5}"'],
    ['Infinity', '"Infinity"'],
    ['99999999999999999999999', '"99999999999999999999999"'],
  ])('refuses %j, naming it', (payload, echoed) => {
    expect(pulseDuration(payload)).toEqual(
      E.left(`The pulse duration must be whole milliseconds from 1 to 3600000, as an integer or a string ("500"); got ${echoed}.`),
    );
  });

  it('echoes at most 64 characters of a long payload', () => {
    const result = pulseDuration('x'.repeat(1000));
    expect(E.isLeft(result) && result.left).toContain(`got "${'x'.repeat(64)}…".`);
  });

  it('accepts every whole millisecond in bounds, bare or quoted', () => {
    fc.assert(
      fc.property(fc.integer({ min: PULSE_MIN_MS, max: PULSE_MAX_MS }), fc.boolean(), (ms, quoted) => {
        const payload = quoted ? JSON.stringify(String(ms)) : String(ms);
        expect(pulseDuration(payload)).toEqual(E.right(ms));
      }),
    );
  });

  it('refuses every integer out of bounds', () => {
    const outside = fc.oneof(fc.integer({ max: PULSE_MIN_MS - 1 }), fc.integer({ min: PULSE_MAX_MS + 1 }));
    fc.assert(fc.property(outside, (ms) => E.isLeft(pulseDuration(String(ms))) && E.isLeft(pulseDuration(JSON.stringify(String(ms))))));
  });

  it('never throws, and only ever accepts a whole number in bounds that the payload spells', () => {
    fc.assert(
      fc.property(fc.string(), (payload) => {
        const result = pulseDuration(payload);
        if (E.isLeft(result)) return true;
        const ms = result.right;
        return Number.isInteger(ms) && ms >= PULSE_MIN_MS && ms <= PULSE_MAX_MS && payload.includes(String(ms));
      }),
    );
  });
});

describe('planPulse', () => {
  const none = new Set<number>();

  it('switches a pin on at once and schedules its switch-back', () => {
    expect(planPulse(none, { kind: 'pulse', pin: 5, durationMs: 300 })).toEqual({
      cancel: [],
      writes: [{ pin: 5, level: 1, cause: 'pulse-on' }],
      schedule: { pin: 5, durationMs: 300 },
      done: false,
    });
  });

  it('restarts a pulse in progress: cancels the old switch-back, writes 1 again, schedules anew', () => {
    expect(planPulse(new Set([5]), { kind: 'pulse', pin: 5, durationMs: 300 })).toEqual({
      cancel: [5],
      writes: [{ pin: 5, level: 1, cause: 'pulse-on' }],
      schedule: { pin: 5, durationMs: 300 },
      done: false,
    });
  });

  it('cancels only the written pin\'s switch-back on a write', () => {
    expect(planPulse(new Set([5, 6]), { kind: 'write', pin: 6, level: 1 })).toEqual({
      cancel: [6],
      writes: [{ pin: 6, level: 1, cause: 'write' }],
      done: false,
    });
    expect(planPulse(new Set([5]), { kind: 'write', pin: 6, level: 0 }).cancel).toEqual([]);
  });

  it('ends every pulse in progress on stop, by pin number, and is done', () => {
    expect(planPulse(new Set([17, 5, 6]), { kind: 'stop' })).toEqual({
      cancel: [5, 6, 17],
      writes: [5, 6, 17].map((pin) => ({ pin, level: 0, cause: 'pulse-off' })),
      done: true,
    });
  });

  it('only ever cancels pins with a pulse in progress, and writes exactly the commanded pin unless stopping', () => {
    const pin = fc.integer({ min: 0, max: 8 });
    const command: fc.Arbitrary<PulseCommand> = fc.oneof(
      fc.record({ kind: fc.constant('pulse' as const), pin, durationMs: fc.integer({ min: 1, max: 1000 }) }),
      fc.record({ kind: fc.constant('write' as const), pin, level: fc.constantFrom(0 as const, 1 as const) }),
      fc.constant({ kind: 'stop' as const }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(pin), command, (active, c) => {
        const plan = planPulse(new Set(active), c);
        expect(plan.cancel.every((p) => active.includes(p))).toBe(true);
        if (c.kind === 'stop') expect(plan.writes.map((w) => w.pin).sort()).toEqual([...active].sort());
        else expect(plan.writes.map((w) => w.pin)).toEqual([c.pin]);
        expect(plan.done).toBe(c.kind === 'stop');
      }),
    );
  });
});
