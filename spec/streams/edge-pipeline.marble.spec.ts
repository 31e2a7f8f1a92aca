import { filter } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LevelObservation } from '../../src/core/observation';
import { countPulses } from '../../src/streams/counter';
import { edgesOfLevels } from '../../src/streams/level-edges';
import { debounceLevels } from '../../src/streams/debounce';
import { type EdgeOutput, edgesToLevels, type KernelEdge } from '../../src/streams/edges';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const edge = (rising: boolean, seqno: number, timestampNs: bigint): KernelEdge => ({ pin: 5, rising, seqno, timestampNs });
const isLevel = (o: EdgeOutput): o is LevelObservation => o._tag === 'Level';

/** The units compose as the service will wire them: edges, then debounce, then the counter. */
describe('edges → debounce → counter (marbles)', () => {
  it('publishes a bouncing contact once, when it settles, and counts it once', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // A contact closing bounces at 10-12 ms, then opens cleanly at 30 ms.
      const edge$ = cold('  10ms r f s 17ms g', {
        r: edge(true, 1, 10_000_000n),
        f: edge(false, 2, 11_000_000n),
        s: edge(true, 3, 12_000_000n),
        g: edge(false, 4, 30_000_000n),
      });
      const levels$ = debounceLevels(edgesToLevels(edge$, { initial: new Map([[5, 0]]) }).pipe(filter(isLevel)), {
        debounceMs: () => 5,
      });
      // Not shared: the first levels are emitted on subscription, and a counter
      // subscribed to a shared stream after them would take the next change for a first level.
      const count$ = countPulses(edgesOfLevels(levels$), { mode: () => 'rising' });

      expectObservable(levels$, '^ 50ms !').toBe('a 16ms b 17ms c', {
        a: { _tag: 'Level', pin: 5, level: 0 },
        b: { _tag: 'Level', pin: 5, level: 1, at: 12_000_000n },
        c: { _tag: 'Level', pin: 5, level: 0, at: 30_000_000n },
      });
      expectObservable(count$, '^ 50ms !').toBe('17ms n', { n: { pin: 5, count: 1, timestampNs: 12_000_000n } });
      expectSubscriptions(edge$.subscriptions).toBe(['^ 50ms !', '^ 50ms !']);
    });
  });
});
