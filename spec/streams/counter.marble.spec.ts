import { TestScheduler } from 'rxjs/testing';
import { counts } from '../../src/core/input-settings';
import type { CountMode } from '../../src/core/model';
import type { InputEdge } from '../../src/core/observation';
import { countPulses, type PulseCount } from '../../src/streams/counter';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const up = (pin: number, timestampNs?: bigint): InputEdge => (timestampNs === undefined ? { pin, rising: true } : { pin, rising: true, timestampNs });
const down = (pin: number): InputEdge => ({ pin, rising: false });
const n = (pin: number, count: number, timestampNs?: bigint): PulseCount =>
  timestampNs === undefined ? { pin, count } : { pin, count, timestampNs };

const modes =
  (table: Record<number, CountMode>) =>
  (pin: number): CountMode | undefined =>
    table[pin];

describe('counts', () => {
  it.each([
    ['rising', true, true],
    ['rising', false, false],
    ['both', true, true],
    ['both', false, true],
    [undefined, true, false],
    [undefined, false, false],
  ] as const)('mode %s, rising edge %s: counted %s', (mode, rising, expected) => {
    expect(counts(mode, rising)).toBe(expected);
  });
});

describe('countPulses (marbles)', () => {
  it('counts only rising edges in rising mode, from 0', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  u d u d u |', { u: up(5), d: down(5) });
      expectObservable(countPulses(in$, { mode: modes({ 5: 'rising' }) })).toBe('a - b - c |', {
        a: n(5, 1),
        b: n(5, 2),
        c: n(5, 3),
      });
      expectSubscriptions(in$.subscriptions).toBe('^ 4ms !');
    });
  });

  it('counts rising and falling edges in both mode', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  u d u d |', { u: up(5), d: down(5) });
      expectObservable(countPulses(in$, { mode: modes({ 5: 'both' }) })).toBe('a b c d |', {
        a: n(5, 1),
        b: n(5, 2),
        c: n(5, 3),
        d: n(5, 4),
      });
    });
  });

  it('keeps each pin\'s count and mode apart, and ignores pins without a counter', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { u: up(5), d: down(5), v: up(6), w: down(6), x: up(7) };
      const in$ = cold('  u v w x d u w x |', values);
      expectObservable(countPulses(in$, { mode: modes({ 5: 'rising', 6: 'both' }) })).toBe('a b c - - e f - |', {
        a: n(5, 1),
        b: n(6, 1),
        c: n(6, 2),
        e: n(5, 2),
        f: n(6, 3),
      });
    });
  });

  it('starts from an injected count per pin', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  u v u |', { u: up(5), v: up(6) });
      const deps = { mode: modes({ 5: 'rising', 6: 'rising' }), start: (pin: number) => (pin === 5 ? 41 : 0) };
      expectObservable(countPulses(in$, deps)).toBe('a b c |', { a: n(5, 42), b: n(6, 1), c: n(5, 43) });
    });
  });

  it('carries the counted edge\'s timestamp', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  u |', { u: up(5, 1_700_000_000_123_456_789n) });
      expectObservable(countPulses(in$, { mode: modes({ 5: 'rising' }) })).toBe('a |', {
        a: n(5, 1, 1_700_000_000_123_456_789n),
      });
    });
  });

  it('starts again from the start count on each subscription (a restart does not remember)', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  u u |', { u: up(5) });
      const counter$ = countPulses(in$, { mode: modes({ 5: 'rising' }) });
      const values = { a: n(5, 1), b: n(5, 2) };
      expectObservable(counter$).toBe('a b |', values);
      expectObservable(counter$).toBe('a b |', values);
    });
  });

  it('stops counting when unsubscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  u u u u', { u: up(5) });
      expectObservable(countPulses(in$, { mode: modes({ 5: 'rising' }) }), '^ 2ms !').toBe('a b c', {
        a: n(5, 1),
        b: n(5, 2),
        c: n(5, 3),
      });
      expectSubscriptions(in$.subscriptions).toBe('^ 2ms !');
    });
  });
});
