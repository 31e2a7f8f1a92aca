import { TestScheduler } from 'rxjs/testing';
import { type LevelObservation, observed as lvl } from '../../src/core/observation';
import { edgesOfLevels } from '../../src/streams/level-edges';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('edgesOfLevels (marbles)', () => {
  it('skips each pin\'s first level and repeats, and turns changes into edges with their timestamps', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold<LevelObservation>('  a b c d e f |', {
        a: lvl(5, 0),
        b: lvl(6, 1),
        c: lvl(5, 1, 30n),
        d: lvl(5, 1),
        e: lvl(6, 0),
        f: lvl(5, 0, 60n),
      });
      expectObservable(edgesOfLevels(in$)).toBe('- - c - e f |', {
        c: { pin: 5, rising: true, timestampNs: 30n },
        e: { pin: 6, rising: false },
        f: { pin: 5, rising: false, timestampNs: 60n },
      });
      expectSubscriptions(in$.subscriptions).toBe('^ 5ms !');
    });
  });
});
