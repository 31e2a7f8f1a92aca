import { TestScheduler } from 'rxjs/testing';
import { countBursts, rateLimit } from '../../src/streams/log-limits';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const each = (value: string) => ({ _tag: 'Each', value });
const suppressed = (count: number) => ({ _tag: 'Suppressed', count });

describe('rateLimit (marbles)', () => {
  it('passes the first events of a window in full, then one count when it closes', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const event$ = cold('abcdef 20ms g|');
      expectObservable(event$.pipe(rateLimit(2, 10))).toBe('ab 8ms x 15ms g|', {
        a: each('a'),
        b: each('b'),
        x: suppressed(4),
        g: each('g'),
      });
      expectSubscriptions(event$.subscriptions).toBe('^ 26ms !');
    });
  });

  it('logs a lone event at once and says nothing when no event was held back', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const event$ = cold('a 20ms b 20ms c|');
      expectObservable(event$.pipe(rateLimit(2, 10))).toBe('a 20ms b 20ms c|', { a: each('a'), b: each('b'), c: each('c') });
    });
  });

  it('keeps the log of a flood bounded: 5 in full and one count per window, whatever the rate', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // 1000 events, one a frame. A window opens at its first event and counts
      // the one on its closing frame too: 101 events each, the last 91.
      const event$ = cold(`${'e'.repeat(1000)}|`);
      const expected = `${'aaaaa 95ms x '.repeat(9)}aaaaa 86ms (y|)`;
      expectObservable(event$.pipe(rateLimit(5, 100))).toBe(expected, { a: each('e'), x: suppressed(96), y: suppressed(86) });
    });
  });
});

describe('countBursts (marbles)', () => {
  it('counts a burst by key once it has gone quiet, and the last one when the source ends', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const event$ = cold('rrwsr 50ms r--|');
      expectObservable(event$.pipe(countBursts(10, (k: string) => k))).toBe('14ms x 43ms (y|)', {
        x: { r: 3, w: 1, s: 1 },
        y: { r: 1 },
      });
    });
  });
});
