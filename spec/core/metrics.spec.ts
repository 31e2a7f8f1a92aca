import * as errors from '../../src/core/errors';
import { answerKind, ERROR_KINDS, errorLabel, healthOf, outcomeOf, publishKind, requestKind } from '../../src/core/metrics';
import type { Output } from '../../src/core/outputs';

const reply = { qos: 1 as const };
const rejected = (error: errors.ErrorMessage, withReply = true): Output => ({ _tag: 'Rejected', error, ...(withReply ? { reply } : {}) });

describe('metrics: what counts as what', () => {
  it.each([
    ['gpio/t/5/read', 'read'],
    ['gpio/t/8/write', 'write'],
    ['gpio/t/8/pulse', 'pulse'],
    ['gpio/t/5/simulate', 'simulate'],
    ['gpio/t/5/state', 'other'],
    ['gpio/t/read/x', 'other'],
  ])('the request on %s is a %s', (topic, kind) => {
    expect(requestKind(topic)).toBe(kind);
  });

  it('an answer to a request has an outcome; a level, event, count or failure seen by a poll has none', () => {
    expect(outcomeOf({ _tag: 'State', pin: 8, level: 1, reply })).toBe('ok');
    expect(outcomeOf({ _tag: 'Simulated', topic: 'gpio/t/5/simulate', pin: 5, level: 1 })).toBe('ok');
    expect(outcomeOf(rejected(errors.writeToInput('gpio/t/5/write', 5)))).toBe('rejected');
    expect(outcomeOf({ _tag: 'Ignored', topic: 'gpio/t/8/write', reason: 'retained', retained: 'write' })).toBe('ignored');
    expect(outcomeOf({ _tag: 'State', pin: 8, level: 1 })).toBeUndefined();
    expect(outcomeOf({ _tag: 'Event', pin: 5, rising: true })).toBeUndefined();
    expect(outcomeOf({ _tag: 'Count', pin: 5, count: 3 })).toBeUndefined();
    expect(outcomeOf(rejected(errors.driverFailure('gpio/t/5/state', 'Polling', 5, 'EIO'), false))).toBeUndefined();
  });

  it("an answer's kind is the request's when it is known, else what the answer tells", () => {
    expect(answerKind({ _tag: 'State', pin: 8, level: 1, reply }, 'pulse')).toBe('pulse');
    expect(answerKind({ _tag: 'State', pin: 8, level: 1, reply }, undefined)).toBe('other');
    expect(answerKind(rejected(errors.invalidPayload('gpio/t/8/write', 'x')), undefined)).toBe('write');
    expect(answerKind({ _tag: 'Simulated', topic: 'gpio/t/5/simulate', pin: 5, level: 0 }, undefined)).toBe('simulate');
    expect(answerKind({ _tag: 'Ignored', topic: 'gpio/t/8/write', reason: 'retained', retained: 'write' }, undefined)).toBe('write');
    expect(answerKind({ _tag: 'Ignored', topic: 'gpio/t/8/read', reason: 'not a request topic of this thing' }, undefined)).toBe('read');
  });

  it('every error the service publishes has a label of its own', () => {
    const labels = Object.values(errors.ErrorKind).map(errorLabel);
    expect(new Set(labels).size).toBe(Object.values(errors.ErrorKind).length);
    expect(labels).not.toContain('other');
    expect(ERROR_KINDS).toEqual([...labels, 'other']);
    expect(errorLabel(errors.eventsLost('gpio/t/5/state', 5, 3).error)).toBe('edge_events_lost');
    expect(errorLabel('Something new')).toBe('other');
    expect(errorLabel('constructor')).toBe('other');
  });

  it.each([
    ['gpio/t/5/state', 'state'],
    ['gpio/t/5/event', 'event'],
    ['gpio/t/5/count', 'count'],
    ['gpio/t/error', 'error'],
    ['gpio/t/status', 'status'],
    ['gpio/t/5/error', 'other'],
    ['gpio/other/5/state', 'other'],
    ['replies/me', 'other'],
  ])('a publish to %s is counted as %s', (topic, kind) => {
    expect(publishKind(topic, 'gpio/t/')).toBe(kind);
  });
});

describe('metrics: health', () => {
  const facts = { connected: true, startedAt: 0, driverOpen: true, broker: 'mqtt://127.0.0.1:1883' };
  const at = Date.parse('2026-12-01T10:00:00Z');

  it('is ok when connected with the driver open', () => {
    expect(healthOf(facts, at)).toEqual({ ok: true });
  });

  it('says since when the broker connection is lost, or not made yet', () => {
    expect(healthOf({ ...facts, connected: false, lostAt: at - 42_000 }, at)).toEqual({
      ok: false,
      reason: 'broker connection to mqtt://127.0.0.1:1883 lost since 2026-12-01T09:59:18.000Z (42 s)',
    });
    expect(healthOf({ ...facts, connected: false, startedAt: at - 3_000 }, at)).toEqual({
      ok: false,
      reason: 'not connected to the broker mqtt://127.0.0.1:1883 yet, since 2026-12-01T09:59:57.000Z (3 s)',
    });
  });

  it('says the driver is closed, on the same line as a lost connection', () => {
    expect(healthOf({ ...facts, driverOpen: false }, at)).toEqual({ ok: false, reason: 'the GPIO driver is closed (the service is stopping)' });
    const both = healthOf({ ...facts, driverOpen: false, connected: false, lostAt: at }, at);
    expect(both.ok).toBe(false);
    expect(!both.ok && both.reason).toMatch(/^the GPIO driver is closed .*; broker connection to .* lost since/);
    expect(!both.ok && both.reason).not.toMatch(/\n/);
  });
});
