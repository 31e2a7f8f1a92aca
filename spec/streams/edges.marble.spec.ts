import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import type { Level } from '../../src/core/model';
import { type EdgeOutput, edgesToLevels, type KernelEdge, missedEvents } from '../../src/streams/edges';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const edge = (pin: number, rising: boolean, seqno: number, timestampNs: bigint): KernelEdge => ({ pin, rising, seqno, timestampNs });
const level = (pin: number, l: Level, at?: bigint): EdgeOutput => (at === undefined ? { _tag: 'Level', pin, level: l } : { _tag: 'Level', pin, level: l, at });
const gap = (expected: number, got: number, missed: number, pin = 5): EdgeOutput => ({ _tag: 'Gap', pin, expected, got, missed });
const initial = (entries: Array<[number, Level]>) => ({ initial: new Map(entries) });

describe('missedEvents', () => {
  it.each([
    [1, 1, 0],
    [3, 5, 2],
    [2 ** 32 - 1, 0, 1],
    [2 ** 32 - 1, 2, 3],
    [0, 0, 0],
  ])('expected %d, got %d: %d missed', (expected, got, missed) => {
    expect(missedEvents(expected, got)).toBe(missed);
  });

  it('is the number of seqnos skipped, across the u32 wrap', () => {
    const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 1000 }), (expected, skipped) => {
        expect(missedEvents(expected, (expected + skipped) % 2 ** 32)).toBe(skipped);
      }),
    );
  });
});

describe('edgesToLevels (marbles)', () => {
  it('emits each pin\'s first level at once, by pin number, then one change per edge with its timestamp', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  4ms r 3ms f |', { r: edge(6, true, 1, 1000n), f: edge(6, false, 2, 2000n) });
      expectObservable(edgesToLevels(in$, initial([[6, 0], [5, 1]]))).toBe('(ab) r 3ms f |', {
        a: level(5, 1),
        b: level(6, 0),
        r: level(6, 1, 1000n),
        f: level(6, 0, 2000n),
      });
      expectSubscriptions(in$.subscriptions).toBe('^ 8ms !');
    });
  });

  it('loses no transition: a pulse far shorter than any poll is two changes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // 0→1→0 within 250 ns, delivered in one read of the kernel's queue.
      const in$ = cold('  (rf)', { r: edge(5, true, 1, 10_000n), f: edge(5, false, 2, 10_250n) });
      expectObservable(edgesToLevels(in$, initial([[5, 0]])), '^ 10ms !').toBe('(arf)', {
        a: level(5, 0),
        r: level(5, 1, 10_000n),
        f: level(5, 0, 10_250n),
      });
    });
  });

  it('keeps pins apart when their edges interleave', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  4ms p q r s', {
        p: edge(5, true, 1, 1n),
        q: edge(6, true, 2, 2n),
        r: edge(5, false, 3, 3n),
        s: edge(6, false, 4, 4n),
      });
      expectObservable(edgesToLevels(in$, initial([[5, 0], [6, 0]])), '^ 10ms !').toBe('(ab) p q r s', {
        a: level(5, 0),
        b: level(6, 0),
        p: level(5, 1, 1n),
        q: level(6, 1, 2n),
        r: level(5, 0, 3n),
        s: level(6, 0, 4n),
      });
    });
  });

  it('emits nothing for an edge to the level a pin already has (the edge the first read already saw)', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  -r f', { r: edge(5, true, 1, 1n), f: edge(5, false, 2, 2n) });
      expectObservable(edgesToLevels(in$, initial([[5, 1]])), '^ 10ms !').toBe('a - f', { a: level(5, 1), f: level(5, 0, 2n) });
    });
  });

  it('emits the first edge of a pin with no first level as its level', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  f', { f: edge(7, false, 1, 5n) });
      expectObservable(edgesToLevels(in$, initial([])), '^ 10ms !').toBe('f', { f: level(7, 0, 5n) });
    });
  });

  it('flags a jump in seqno before the edge that revealed it, and still follows the level', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // Events 3 and 4 were dropped by the kernel; 5 says the line fell.
      const in$ = cold('  4ms r s f', { r: edge(5, true, 1, 1n), s: edge(6, true, 2, 2n), f: edge(5, false, 5, 5n) });
      expectObservable(edgesToLevels(in$, initial([[5, 0], [6, 0]])), '^ 10ms !').toBe('(ab) c s (gf)', {
        a: level(5, 0),
        b: level(6, 0),
        c: level(5, 1, 1n),
        s: level(6, 1, 2n),
        g: gap(3, 5, 2),
        f: level(5, 0, 5n),
      });
    });
  });

  it('flags events lost before the first one read, from the seqno the request starts at', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  r', { r: edge(5, true, 4, 1n) });
      expectObservable(edgesToLevels(in$, initial([])), '^ 10ms !').toBe('(gr)', { g: gap(1, 4, 3), r: level(5, 1, 1n) });
      expectObservable(edgesToLevels(in$, { initial: new Map(), firstSeqno: 4 }), '^ 10ms !').toBe('r', { r: level(5, 1, 1n) });
    });
  });

  it('follows seqno across the u32 wrap without a false gap', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  r f', { r: edge(5, true, 2 ** 32 - 1, 1n), f: edge(5, false, 0, 2n) });
      const deps = { initial: new Map<number, Level>(), firstSeqno: 2 ** 32 - 1 };
      expectObservable(edgesToLevels(in$, deps), '^ 10ms !').toBe('r f', { r: level(5, 1, 1n), f: level(5, 0, 2n) });
    });
  });

  it('starts again from its first levels and seqno on each subscription', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  -r', { r: edge(5, true, 1, 1n) });
      const levels$ = edgesToLevels(in$, initial([[5, 0]]));
      const values = { a: level(5, 0), r: level(5, 1, 1n) };
      expectObservable(levels$, '^ 10ms !').toBe('ar', values);
      expectObservable(levels$, '^ 10ms !').toBe('ar', values);
    });
  });

  it('stops listening when unsubscribed', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  -r 5ms f', { r: edge(5, true, 1, 1n), f: edge(5, false, 2, 2n) });
      expectObservable(edgesToLevels(in$, initial([[5, 0]])), '^ 3ms !').toBe('ar', { a: level(5, 0), r: level(5, 1, 1n) });
      expectSubscriptions(in$.subscriptions).toBe('^ 3ms !');
    });
  });
});

describe('edgesToLevels: sources without a fresh seqno', () => {
  const edgeNoSeq = (pin: number, rising: boolean, t: bigint): KernelEdge => ({ pin, rising, timestampNs: t });

  it("learns the first seqno when told 'any' (a driver dropped what was queued before), then flags jumps", () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  r 5ms f 5ms s', { r: edge(5, true, 40, 1n), f: edge(5, false, 41, 2n), s: edge(5, true, 42, 3n) });
      const jumped$ = cold('r 5ms f 5ms s', { r: edge(5, true, 40, 1n), f: edge(5, false, 41, 2n), s: edge(5, true, 44, 3n) });
      const deps = { initial: new Map<number, Level>([[5, 0]]), firstSeqno: 'any' as const };
      expectObservable(edgesToLevels(in$, deps), '^ 20ms !').toBe('(ar) 2ms f 5ms s', { a: level(5, 0), r: level(5, 1, 1n), f: level(5, 0, 2n), s: level(5, 1, 3n) });
      expectObservable(edgesToLevels(jumped$, deps), '^ 20ms !').toBe('(ar) 2ms f 5ms (gs)', {
        a: level(5, 0),
        r: level(5, 1, 1n),
        f: level(5, 0, 2n),
        g: gap(42, 44, 2),
        s: level(5, 1, 3n),
      });
    });
  });

  it('without seqnos (uAPI v1), flags a second edge in the same direction as a gap of unknown size, per pin', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  r 5ms f 5ms f 5ms s', { r: edgeNoSeq(5, true, 1n), f: edgeNoSeq(5, false, 2n), s: edgeNoSeq(5, true, 3n) });
      expectObservable(edgesToLevels(in$, initial([[5, 0], [6, 1]])), '^ 30ms !').toBe('(abr) 1ms f 5ms g 5ms s', {
        a: level(5, 0),
        b: level(6, 1),
        r: level(5, 1, 1n),
        f: level(5, 0, 2n),
        s: level(5, 1, 3n),
        g: { _tag: 'Gap', pin: 5 },
      });
    });
  });

  it('reports an edge the driver marks lost (a full v1 queue) as a gap, then follows the level it read', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  r 5ms l 5ms m', {
        r: edgeNoSeq(5, true, 1n),
        l: { ...edgeNoSeq(5, false, 9n), lost: true }, // the queue ended on a rise, the line is low now
        m: { ...edgeNoSeq(5, false, 10n), lost: true }, // full again, and still low: a gap, no level
      });
      expectObservable(edgesToLevels(in$, initial([[5, 0]])), '^ 30ms !').toBe('(ar) 2ms (gl) 2ms g', {
        a: level(5, 0),
        r: level(5, 1, 1n),
        g: { _tag: 'Gap', pin: 5 },
        l: level(5, 0, 9n),
      });
    });
  });
});
