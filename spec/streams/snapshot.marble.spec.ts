import * as E from 'fp-ts/Either';
import { connect, filter, map, merge, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { Level, PinSpec } from '../../src/core/model';
import type { Output, PinEntry, Snapshot } from '../../src/core/outputs';
import type { Reply, Request } from '../../src/core/requests';
import { RETAINED_READ_ALL_IGNORED } from '../../src/core/snapshot';
import { connector } from '../../src/streams/connector';
import { pinSnapshots, withPinSnapshots } from '../../src/streams/snapshot';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const PINS: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'as-is', activeLow: false, edge: 'both', count: 'rising' },
  { pin: 8, direction: 'output', initial: 0, activeLow: false },
];
const deps = { pins: PINS, intervalMs: 10 };

const state = (pin: number, level: Level, reply?: Reply): Output => (reply === undefined ? { _tag: 'State', pin, level } : { _tag: 'State', pin, level, reply });
const count = (pin: number, n: number): Output => ({ _tag: 'Count', pin, count: n });

/** A snapshot as the unit emits it: pin 5 (`[level, changedMs, count]`), pin 8 (`[level, changedMs]`), taken at `timeMs` (virtual). */
const snap = (timeMs: number, p5: [Level | null, number | null, number], p8: [Level | null, number | null], reply?: Reply): Snapshot => {
  const pins: PinEntry[] = [
    { pin: 5, direction: 'input', level: p5[0], changedMs: p5[1], count: p5[2] },
    { pin: 8, direction: 'output', level: p8[0], changedMs: p8[1] },
  ];
  return reply === undefined ? { _tag: 'Snapshot', pins, timeMs } : { _tag: 'Snapshot', pins, timeMs, reply };
};

const readAll = (retained = false, reply?: Reply): Request => ({ topic: 'gpio/t/read', payload: '', retained, ...(reply === undefined ? {} : { reply }) });

describe('pinSnapshots (marbles)', () => {
  it('publishes one snapshot at start-up, when the first window closes, with every first level that came in it', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      // The start-up burst: the output's level, the counter at 0, then the first poll.
      const output$ = hot<Output>('(ab) 2ms c', { a: state(8, 0), b: count(5, 0), c: state(5, 1) });
      const sub = '                 ^ 40ms !';
      expectObservable(pinSnapshots({ output$ }, deps), sub).toBe('10ms s', { s: snap(10, [1, null, 0], [0, null]) });
      expectSubscriptions(output$.subscriptions).toBe(sub);
    });
  });

  it('publishes at start-up even when nothing came (a failed first read): the levels are null', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      expectObservable(pinSnapshots({ output$: hot<Output>('-') }, deps), '^ 40ms !').toBe('10ms s', { s: snap(10, [null, null, 0], [null, null]) });
    });
  });

  it('publishes a change after a quiet window at once; a burst inside a window once, as it stands when the window closes', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      // 20 ms: a change after a quiet time, out at once; 22-27 ms: four more, one snapshot at 30 ms with the last;
      // 30-40 ms: nothing new, nothing at 40 ms.
      const output$ = hot<Output>('(ab) 16ms c 1ms d e f g 1ms h', {
        a: state(8, 0),
        b: state(5, 0),
        c: state(5, 1),
        d: state(5, 0),
        e: state(5, 1),
        f: count(5, 1),
        g: state(8, 1),
        h: state(5, 0),
      });
      expectObservable(pinSnapshots({ output$ }, deps), '^ 60ms !').toBe('10ms s 9ms t 9ms u', {
        s: snap(10, [0, null, 0], [0, null]),
        t: snap(20, [1, 20, 0], [0, null]),
        u: snap(30, [0, 27, 1], [1, 25]),
      });
    });
  });

  it('publishes nothing for outputs that change nothing: the same level again, events, errors', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const output$ = hot<Output>('a 20ms b c d', {
        a: state(8, 1),
        b: state(8, 1, { qos: 1 }), // a read's answer, the level it already had
        c: { _tag: 'Event', pin: 5, rising: true, timestampNs: 1n },
        d: { _tag: 'Rejected', error: { topic: 'gpio/t/5/state', error: 'GPIO driver failure', long_description: 'x' } },
      });
      expectObservable(pinSnapshots({ output$ }, deps), '^ 60ms !').toBe('10ms s', { s: snap(10, [null, null, 0], [1, null]) });
    });
  });

  it('answers each read of all pins at once with the snapshot and its reply, whatever the window; a retained one is ignored', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const reply: Reply = { qos: 0, responseTopic: 'replies/me', correlationData: new Uint8Array([1]) };
      const output$ = hot<Output>('a 19ms b', { a: state(8, 0), b: state(8, 1) });
      // 2 ms: before the start-up snapshot; 21 ms: inside the window the change at 20 ms opened; 22 ms: a retained one.
      const readAll$ = hot<Request>('--q 18ms r s', { q: readAll(false, reply), r: readAll(), s: readAll(true) });
      const sub = '                           ^ 40ms !';
      // The answer at 2 ms published what the start-up snapshot would have, and the one at 21 ms what the window's close would: neither comes again.
      expectObservable(pinSnapshots({ output$, readAll$ }, deps), sub).toBe('--q 17ms t r i', {
        q: snap(2, [null, null, 0], [0, null], reply),
        t: snap(20, [null, null, 0], [1, 20]),
        r: snap(21, [null, null, 0], [1, 20]),
        i: { _tag: 'Ignored', topic: 'gpio/t/read', reason: RETAINED_READ_ALL_IGNORED, retained: 'read' },
      });
      expectSubscriptions(readAll$.subscriptions).toBe(sub);
    });
  });

  it('answers a retained read too when retained requests are accepted', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const readAll$ = hot<Request>('--q', { q: readAll(true) });
      expectObservable(pinSnapshots({ output$: hot<Output>('-'), readAll$ }, { ...deps, acceptRetainedRequests: true }), '^ 5ms !').toBe('--q', {
        q: snap(2, [null, null, 0], [null, null]),
      });
    });
  });

  it('publishes again on each resync (a reconnect), within the same limit', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const output$ = hot<Output>('a', { a: state(8, 0) });
      // 20 ms: after a quiet time, at once; 25 ms: inside that window, at its close; 26 ms: already waiting.
      const resync$ = hot('20ms r 4ms r r');
      expectObservable(pinSnapshots({ output$, resync$ }, deps), '^ 60ms !').toBe('10ms s 9ms t 9ms u', {
        s: snap(10, [null, null, 0], [0, null]),
        t: snap(20, [null, null, 0], [0, null]),
        u: snap(30, [null, null, 0], [0, null]),
      });
    });
  });

  it('on stop, publishes a change still waiting at once, and every later one too (the off writes of a shutdown)', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const output$ = hot<Output>('a 19ms b 1ms c 1ms d', { a: state(8, 0), b: state(8, 1), c: state(5, 1), d: state(8, 0) });
      const stop$ = hot('                23ms x');
      expectObservable(pinSnapshots({ output$, stop$ }, deps), '^ 60ms !').toBe('10ms s 9ms t 2ms u d', {
        s: snap(10, [null, null, 0], [0, null]),
        t: snap(20, [null, null, 0], [1, 20]),
        u: snap(23, [1, null, 0], [1, 20]),
        d: snap(24, [1, null, 0], [0, 24]),
      });
    });
  });

  it('drops a change still waiting for its window when unsubscribed, and stops its timers', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const output$ = hot<Output>('a 19ms b c', { a: state(8, 0), b: state(8, 1), c: state(5, 1) });
      const sub = '                 ^ 25ms !';
      expectObservable(pinSnapshots({ output$ }, deps), sub).toBe('10ms s 9ms t', {
        s: snap(10, [null, null, 0], [0, null]),
        t: snap(20, [null, null, 0], [1, 20]),
      });
      expectSubscriptions(output$.subscriptions).toBe(sub);
    });
  });
});

describe('connector with snapshots (marbles, simulated chip)', () => {
  const pins: PinSpec[] = [
    { pin: 5, direction: 'input', bias: 'pull-down', activeLow: false },
    { pin: 6, direction: 'input', bias: 'pull-up', activeLow: false },
    { pin: 8, direction: 'output', initial: 1, activeLow: false },
    { pin: 9, direction: 'output', initial: 'keep', activeLow: false },
  ];
  const r = (topic: string, payload = ''): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false });
  const sim = () => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
  const entry = (pin: number, direction: 'input' | 'output', level: Level, changedMs: number | null = null): PinEntry => ({ pin, direction, level, changedMs });
  const isSnapshotOrIgnored = (o: Output): boolean => o._tag === 'Snapshot' || o._tag === 'Ignored';

  it('answers gpio/<thing>/read with the snapshot (never as a request of a pin), and publishes a write\'s change', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const request$ = hot('---a 10ms b', { a: r('read', 'not json'), b: r('8/write', '0') });
      const out$ = connector({ request$ }, { thingName: 't', pins, pollPeriodMs: 10, driver: sim(), snapshot: { intervalMs: 10 } });
      const start = [entry(5, 'input', 0), entry(6, 'input', 1), entry(8, 'output', 1), entry(9, 'output', 0)];
      // The answer at 3 ms holds what the start-up snapshot would have: none comes at 10 ms.
      expectObservable(out$.pipe(filter(isSnapshotOrIgnored)), '^ 30ms !').toBe('---a 10ms b', {
        a: { _tag: 'Snapshot', pins: start, timeMs: 3 },
        b: { _tag: 'Snapshot', pins: [start[0], start[1], entry(8, 'output', 0, 14), start[3]], timeMs: 14 },
      });
    });
  });

  it('without deps.snapshot, emits no snapshot, and gpio/<thing>/read is no request of this thing', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const request$ = hot('---a', { a: r('read') });
      const out$ = connector({ request$ }, { thingName: 't', pins, pollPeriodMs: 10, driver: sim() });
      expectObservable(out$.pipe(filter(isSnapshotOrIgnored)), '^ 30ms !').toBe('---a', {
        a: { _tag: 'Ignored', topic: 'gpio/t/read', reason: 'not a request topic of this thing' },
      });
    });
  });
});

describe('withPinSnapshots (marbles)', () => {
  type Sources = { readAll$: Observable<Request>; resync$: Observable<unknown>; stop$: Observable<unknown> };
  /** What the connector did before: the outputs multicast, merged with the snapshots folded from them. */
  const merged =
    (sources: Sources) =>
    (output$: Observable<Output>): Observable<Output> =>
      output$.pipe(connect((shared$) => merge(shared$, pinSnapshots({ ...sources, output$: shared$ }, deps))));

  it('emits what merge(output$, pinSnapshots) emitted, in the same order, also when a resync, a read of all or a stop shares a frame with an output', () => {
    const run = (op: (sources: Sources) => (o$: Observable<Output>) => Observable<Output>) => {
      let seen: unknown;
      new TestScheduler((actual) => (seen = actual)).run(({ cold, hot, expectObservable }) => {
        const resync$ = hot('   15ms r 9ms r');
        const readAll$ = hot<Request>('19ms q', { q: readAll(false, { qos: 1 }) });
        const stop$ = hot('     30ms x');
        // As in the connector, outputs come of the resync (the levels republished) and of the stop (a pulse's off write),
        // so which of the two hears them first decides the order.
        const output$ = merge(
          cold<Output>('(ab) 4ms c 9ms d 3ms e 2ms f |', { a: state(8, 0), b: count(5, 0), c: state(5, 1), d: state(8, 1), e: count(5, 1), f: state(5, 0) }),
          resync$.pipe(map(() => state(8, 0))),
          stop$.pipe(map(() => state(8, 1))),
        );
        expectObservable(output$.pipe(op({ readAll$, resync$, stop$ })), '^ 60ms !').toBe('');
      });
      return seen;
    };
    const before = run(merged);
    expect(Array.isArray(before) && before.length).toBeGreaterThan(10);
    expect(run((sources) => withPinSnapshots(sources, deps))).toEqual(before);
  });
});
