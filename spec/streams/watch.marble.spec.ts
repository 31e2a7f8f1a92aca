import * as E from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { InputSpec, PinSpec } from '../../src/core/model';
import { type Output, state } from '../../src/core/outputs';
import type { Request } from '../../src/core/reducer';
import { connector } from '../../src/streams/connector';
import { edgeLevels, inputOutputs, inputSettings, type Observed, pollLevels, type Watched } from '../../src/streams/watch';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const sim = (pins: PinSpec[]) => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const input = (pin: number, more: Partial<InputSpec> = {}): InputSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow: false, ...more });
const lvl = (pin: number, level: 0 | 1, at?: bigint): Observed => (at === undefined ? { _tag: 'Level', pin, level } : { _tag: 'Level', pin, level, at });
const count = (pin: number, n: number): Output => ({ _tag: 'Count', pin, count: n });
const event = (pin: number, rising: boolean, timestampNs?: bigint): Output =>
  timestampNs === undefined ? { _tag: 'Event', pin, rising } : { _tag: 'Event', pin, rising, timestampNs };

describe('pollLevels (marbles)', () => {
  it('emits every polled pin on the first tick, then only the pins that changed', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const driver = sim([input(5), input(6)]);
      hot('--a----b', { a: 5, b: 6 }).subscribe((pin) => driver.simulate(pin, 1));
      expectObservable(pollLevels(cold('x-----x-x'), { driver, thing: 't' })).toBe('(ab)--c-d', {
        a: lvl(5, 0),
        b: lvl(6, 0),
        c: lvl(5, 1),
        d: lvl(6, 1),
      });
    });
  });

  it('misses a pulse shorter than the poll period: the reason for edges', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const driver = sim([input(5)]);
      hot('--a-b', { a: 1, b: 0 }).subscribe((level) => driver.simulate(5, level as 0 | 1));
      expectObservable(pollLevels(cold('x-----x'), { driver, thing: 't' })).toBe('a', { a: lvl(5, 0) });
    });
  });
});

describe('edgeLevels (marbles, simulated chip)', () => {
  it('emits the first levels, then every edge in order, even a pulse between two polls, with its timestamp', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim([input(5, { edge: 'both' }), input(6, { edge: 'both', bias: 'pull-up' })]);
      hot('-----a(bc)-d', { a: [5, 1], b: [5, 0], c: [6, 0], d: [6, 0] }).subscribe(([pin, level]) => driver.simulate(pin as number, level as 0 | 1));
      const at = expect.any(BigInt) as unknown as bigint;
      // d sets pin 6 to the level it already has: no edge, nothing.
      expectObservable(edgeLevels({ driver, thing: 't' })).toBe('(ab)-c(de)', {
        a: lvl(5, 0),
        b: lvl(6, 1),
        c: lvl(5, 1, at),
        d: lvl(5, 0, at),
        e: lvl(6, 0, at),
      });
    });
  });

  it('is nothing without edge inputs, and stops watching when unsubscribed', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim([input(5)]);
      expectObservable(edgeLevels({ driver, thing: 't' })).toBe('|');
    });
    const driver = sim([input(5, { edge: 'both' })]);
    const got: Watched[] = [];
    const sub = edgeLevels({ driver, thing: 't' }).subscribe((w) => got.push(w));
    driver.simulate(5, 1);
    sub.unsubscribe();
    driver.simulate(5, 0);
    expect(got.map((w) => (w._tag === 'Level' ? w.level : w._tag))).toEqual([0, 1]);
    // A second subscriber may watch again.
    const again: Watched[] = [];
    edgeLevels({ driver, thing: 't' }).subscribe((w) => again.push(w));
    driver.simulate(5, 1);
    expect(again.map((w) => (w._tag === 'Level' ? w.level : w._tag))).toEqual([0, 1]);
  });
});

describe('inputOutputs (marbles)', () => {
  const settings = inputSettings([
    input(5, { edge: 'both', debounceMs: 20, events: true }),
    input(6, { edge: 'rising', count: 'rising', events: true }),
    input(7, { edge: 'none', count: 'both' }),
  ]);

  it('debounces: bounces shorter than the window publish nothing, a level held longer publishes once', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const in$ = hot<Watched>('a 9ms b 4ms c 9ms d 29ms e', {
        a: lvl(5, 0),
        b: lvl(5, 1, 100n), // bounce: back at 15 ms
        c: lvl(5, 0, 105n),
        d: lvl(5, 1, 200n), // holds: published at 25 + 20 ms, with the edge's own timestamp
        e: lvl(5, 0, 300n), // released for good at 55 ms: published at 75 ms
      });
      expectObservable(inputOutputs(in$, { thing: 't', settings }), '^ 100ms !').toBe('(yzb) 40ms (cd) 26ms (ef)', {
        y: count(6, 0),
        z: count(7, 0),
        b: state(5, 0),
        c: state(5, 1),
        d: event(5, true, 200n),
        e: state(5, 0),
        f: event(5, false, 300n),
      });
    });
  });

  it('publishes the events the edge setting selects, counts the edges the counter counts, and republishes counts on resync', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const in$ = hot<Watched>('(ab) 6ms c 9ms d 9ms e 9ms f 9ms g', {
        a: lvl(6, 0),
        b: lvl(7, 0),
        c: lvl(6, 1, 1n),
        d: lvl(6, 0, 2n), // a falling edge: not an event of a rising pin, not counted
        e: lvl(6, 1, 3n),
        f: lvl(7, 1), // polled pin counting both edges
        g: lvl(7, 0),
      });
      const resync$ = hot('60ms r');
      expectObservable(inputOutputs(in$, { thing: 't', settings, resync$ }), '^ 100ms !').toBe('(zyab) 4ms (cde) 5ms f 9ms (ghi) 5ms (jk) 6ms (lm) 6ms (no)', {
        z: count(6, 0),
        y: count(7, 0),
        a: state(6, 0),
        b: state(7, 0),
        c: state(6, 1),
        d: event(6, true, 1n),
        e: count(6, 1),
        f: state(6, 0),
        g: state(6, 1),
        h: event(6, true, 3n),
        i: count(6, 2),
        j: state(7, 1),
        k: count(7, 1),
        l: state(7, 0),
        m: count(7, 2),
        n: count(6, 2),
        o: count(7, 2),
      });
    });
  });

  it('reports lost edge events and driver failures on the error topic, and goes on', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const failure: Watched = { _tag: 'Rejected', error: { topic: 'gpio/t/5/state', error: 'GPIO driver failure', long_description: 'x' } };
      const in$ = hot<Watched>('a-g-f-b', { a: lvl(5, 0), g: { _tag: 'Gap', pin: 5, expected: 3, got: 7, missed: 4 }, f: failure, b: lvl(5, 1, 9n) });
      const quiet = inputOutputs(in$, { thing: 't', settings: inputSettings([input(5, { edge: 'both' })]) });
      expectObservable(quiet).toBe('a-g-f-b', {
        a: state(5, 0),
        g: {
          _tag: 'Rejected',
          error: {
            topic: 'gpio/t/5/state',
            error: 'Edge events lost',
            long_description: expect.stringContaining('4 edges were lost'),
          },
        },
        f: failure,
        b: state(5, 1),
      });
    });
  });
});

describe('connector with edge inputs (marbles, simulated chip)', () => {
  it('publishes a doorbell once per press through debounce, counts meter pulses, and pulses a relay', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const pins: PinSpec[] = [
        input(5, { edge: 'falling', bias: 'pull-up', debounceMs: 30, events: true }), // doorbell: pressed pulls low
        input(6, { edge: 'both', count: 'rising' }), // water meter reed switch
        { pin: 8, direction: 'output', initial: 0, activeLow: false }, // relay
      ];
      const driver = sim(pins);
      const r = (topic: string, payload: string): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false });
      // Two meter pulses; a press that bounces three times within 3 ms, then held; a relay pulse of 50 ms.
      hot('10ms x 9ms y 9ms x 9ms y', { x: 1, y: 0 }).subscribe((l) => driver.simulate(6, l as 0 | 1));
      hot('50ms a b c d 6ms e', { a: 0, b: 1, c: 0, d: 1, e: 0 }).subscribe((l) => driver.simulate(5, l as 0 | 1));
      const request$ = hot('100ms p', { p: r('8/pulse', '50') });
      const at = expect.any(BigInt) as unknown as bigint;
      expectObservable(connector({ request$ }, { thingName: 't', pins, pollPeriodMs: 10, driver }), '^ 200ms !').toBe(
        '(abcd) 4ms (ef) 6ms g 9ms (hi) 6ms j 49ms (kl) 6ms m 49ms n',
        {
          a: state(8, 0),
          b: count(6, 0),
          c: state(5, 1),
          d: state(6, 0),
          e: state(6, 1),
          f: count(6, 1),
          g: state(6, 0),
          h: state(6, 1),
          i: count(6, 2),
          j: state(6, 0),
          // The bounces published nothing; the press held from 60 ms is published at 90 ms, with its edge's time.
          k: state(5, 0),
          l: event(5, false, at),
          m: state(8, 1),
          n: state(8, 0),
        },
      );
    });
  });
});
