import { TestScheduler } from 'rxjs/testing';
import type { Level } from '../../src/core/model';
import { type LevelObservation, observed } from '../../src/core/observation';
import { debounceLevels } from '../../src/streams/debounce';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const obs = (pin: number, level: Level, at?: bigint): LevelObservation => observed(pin, level, at);

/** One window for every pin. */
const every = (ms: number) => ({ debounceMs: () => ms });

describe('debounceLevels (marbles)', () => {
  it('publishes a pin\'s first level at once, and nothing for bounces shorter than the window', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: obs(5, 0), b: obs(5, 1) };
      // 1 held for 2-3 ms at a time, the window is 10 ms.
      const in$ = cold('  a 2ms b 2ms a 2ms b 2ms a 2ms b 1ms a', values);
      const sub = '      ^ 40ms !';
      expectObservable(debounceLevels(in$, every(10)), sub).toBe('a', values);
      expectSubscriptions(in$.subscriptions).toBe(sub);
    });
  });

  it('publishes a level held longer than the window once, when the window ends, however often it is seen', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { a: obs(5, 0), b: obs(5, 1, 4n), c: obs(5, 1, 9n) };
      // A poll sees 1 at 4, 9, 14, 19, 24 ms: the window runs from 4 ms and is not restarted.
      const in$ = cold('  a 3ms b 4ms c 4ms c 4ms c 4ms c', values);
      expectObservable(debounceLevels(in$, every(10)), '^ 40ms !').toBe('a 13ms b', values);
    });
  });

  it('restarts the window when the level bounces back and forth, and reports when the stable run began', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { a: obs(5, 0, 0n), b: obs(5, 1, 3n), z: obs(5, 0, 6n), c: obs(5, 1, 9n) };
      // 1 at 3 ms bounces back at 6 ms; 1 again at 9 ms holds: published at 19 ms with at = 9.
      const in$ = cold('  a 2ms b 2ms z 2ms c', values);
      expectObservable(debounceLevels(in$, every(10)), '^ 40ms !').toBe('a 18ms c', values);
    });
  });

  it('publishes a change back to the previous level after its own window', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { a: obs(5, 0), b: obs(5, 1), z: obs(5, 0) };
      const in$ = cold('  a 19ms b 19ms z', values);
      expectObservable(debounceLevels(in$, every(5)), '^ 60ms !').toBe('a 24ms b 19ms z', values);
    });
  });

  it('keeps pins independent, each with its own window', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { a: obs(5, 0), b: obs(6, 0), c: obs(5, 1), d: obs(6, 1), e: obs(6, 0) };
      const windows = { debounceMs: (pin: number) => (pin === 5 ? 10 : 3) };
      // Pin 6 bouncing (d, e) must neither cancel nor delay pin 5's window.
      const in$ = cold('  (ab) 2ms c d e 5ms d', values);
      expectObservable(debounceLevels(in$, windows), '^ 40ms !').toBe('(ab) 12ms c d', values);
    });
  });

  it('passes every change through with a window of 0, and still no repeats', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const values = { a: obs(5, 0), b: obs(5, 1), c: obs(6, 1), z: obs(5, 0) };
      const in$ = cold('  a b b c z a b', values);
      expectObservable(debounceLevels(in$, every(0)), '^ 40ms !').toBe('a b - c z - b', values);
    });
  });

  it('completes with its input, dropping a level still inside its window', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: obs(5, 0), b: obs(5, 1) };
      const in$ = cold('  a 4ms b 3ms |', values);
      expectObservable(debounceLevels(in$, every(10))).toBe('a 8ms |', values);
      expectSubscriptions(in$.subscriptions).toBe('^ 8ms !');
    });
  });

  it('passes an input error on (errors are values upstream; this is the unexpected kind)', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  a 2ms #', { a: obs(5, 0) }, new Error('boom'));
      expectObservable(debounceLevels(in$, every(10))).toBe('a 2ms #', { a: obs(5, 0) }, new Error('boom'));
    });
  });

  it('cancels the running windows when unsubscribed', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: obs(5, 0), b: obs(5, 1) };
      const in$ = cold('  a 4ms b', values);
      expectObservable(debounceLevels(in$, every(100)), '^ 20ms !').toBe('a', values);
      expectSubscriptions(in$.subscriptions).toBe('^ 20ms !');
    });
    // A window left running would have advanced virtual time to 105 ms while flushing.
    expect(scheduler.frame).toBeLessThan(100);
  });
});
