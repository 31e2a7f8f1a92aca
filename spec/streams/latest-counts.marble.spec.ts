import { TestScheduler } from 'rxjs/testing';
import type { Count } from '../../src/core/outputs';
import { latestCounts } from '../../src/streams/latest-counts';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const c = (pin: number, count: number): Count => ({ _tag: 'Count', pin, count });

describe('latestCounts (marbles)', () => {
  it('of the counts a burst brings at once, hands on the last of each pin, in the order the pins first came', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      // At 5 ms: a burst of three counts of pin 6 and two of pin 7, handed on in one frame.
      const in$ = hot<Count>('5ms (abcde) 4ms f', { a: c(6, 1), b: c(7, 1), c: c(6, 2), d: c(6, 3), e: c(7, 2), f: c(6, 4) });
      expectObservable(latestCounts(in$)).toBe('5ms (xy) 7ms z', { x: c(6, 3), y: c(7, 2), z: c(6, 4) });
    });
  });

  it('holds a count only until the burst is over: counts in separate frames each go out', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const in$ = hot<Count>('a b c', { a: c(6, 1), b: c(6, 2), c: c(6, 3) });
      expectObservable(latestCounts(in$)).toBe('a b c', { a: c(6, 1), b: c(6, 2), c: c(6, 3) });
    });
  });

  it('on completion hands on what it holds, then completes; errors pass through', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(latestCounts(cold<Count>('-(ab|)', { a: c(6, 1), b: c(6, 2) }))).toBe('-(b|)', { b: c(6, 2) });
      expectObservable(latestCounts(cold<Count>('-a-#', { a: c(6, 1) }))).toBe('-a-#', { a: c(6, 1) });
    });
  });

  it('unsubscribed, stops its input and hands on nothing more', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const in$ = hot<Count>('a-b-c', { a: c(6, 1), b: c(6, 2), c: c(6, 3) });
      expectObservable(latestCounts(in$), '^--!').toBe('a-b', { a: c(6, 1), b: c(6, 2) });
      expectSubscriptions(in$.subscriptions).toBe('^--!');
    });
  });
});
