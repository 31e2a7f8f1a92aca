import { TestScheduler } from 'rxjs/testing';
import { inputSettings } from '../../src/core/input-settings';
import type { InputSpec } from '../../src/core/model';
import { observed as lvl, type Watched } from '../../src/core/observation';
import { type Output, state } from '../../src/core/outputs';
import { inputOutputs } from '../../src/streams/fan-out';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const input = (pin: number, more: Partial<InputSpec> = {}): InputSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow: false, ...more });
const count = (pin: number, n: number): Output => ({ _tag: 'Count', pin, count: n });
const event = (pin: number, rising: boolean, timestampNs?: bigint): Output =>
  timestampNs === undefined ? { _tag: 'Event', pin, rising } : { _tag: 'Event', pin, rising, timestampNs };

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
      expectObservable(inputOutputs(in$, { thing: 't', settings }), '^ 100ms !').toBe('(byz) 40ms (cd) 26ms (ef)', {
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
      expectObservable(inputOutputs(in$, { thing: 't', settings, resync$ }), '^ 100ms !').toBe('(abzy) 4ms (cde) 5ms f 9ms (ghi) 5ms (jk) 6ms (lm) 6ms (no)', {
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

