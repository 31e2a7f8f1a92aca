import * as E from 'fp-ts/Either';
import { EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import { failsafesOf, failsafeWrite, type FailsafeReport, type FailsafeSpec } from '../../src/core/failsafe';
import type { PinSpec } from '../../src/core/model';
import { type Output, state } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/requests';
import { connector } from '../../src/streams/connector';
import { failsafe } from '../../src/streams/failsafe';
import { answerRequests } from '../../src/streams/requests';

// The failsafe's timing, in virtual time: connected$ in (t up, f lost), the
// failsafe writes and, when the broker is back, the reports out.
const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const up = { t: true, f: false };

const outputs: FailsafeSpec[] = [
  { pin: 8, level: 0, afterMs: 100 },
  { pin: 9, level: 1, afterMs: 100 },
  { pin: 10, level: 0, afterMs: 300 },
];
const write = (spec: FailsafeSpec) => failsafeWrite('t', spec);
const [o8, o9, o10] = outputs as [FailsafeSpec, FailsafeSpec, FailsafeSpec];
const report = (spec: FailsafeSpec, timeMs: number): FailsafeReport => ({
  _tag: 'FailsafeReport',
  topic: `gpio/t/${spec.pin}/write`,
  pin: spec.pin,
  level: spec.level,
  afterMs: spec.afterMs,
  timeMs,
});

describe('failsafe (marbles)', () => {
  it('writes nothing when the connection comes back 1 ms before failsafeAfter, and reports nothing', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const connected$ = hot('t 9ms f 98ms t', up);
      expectObservable(failsafe(connected$, { thing: 't', outputs: [o8], now: () => scheduler.now() }), '^ 1s !').toBe('');
      expectSubscriptions(connected$.subscriptions).toBe('^ 1s !');
    });
  });

  it('writes each output its failsafe level once the connection has been lost for its failsafeAfter, and reports each once when it is back', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      // Lost at 10 ms; back at 500 ms.
      const connected$ = hot('t 9ms f 489ms t', up);
      expectObservable(failsafe(connected$, { thing: 't', outputs, now: () => scheduler.now() }), '^ 1s !').toBe('110ms (ab) 196ms c 189ms (xyz)', {
        a: write(o8),
        b: write(o9),
        c: write(o10),
        x: report(o8, 110),
        y: report(o9, 110),
        z: report(o10, 310),
      });
    });
  });

  it('moves only the outputs whose failsafeAfter passed: a broker back between two delays leaves the longer one alone', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const connected$ = hot('f 199ms t', up);
      expectObservable(failsafe(connected$, { thing: 't', outputs, now: () => scheduler.now() }), '^ 1s !').toBe('100ms (ab) 96ms (xy)', {
        a: write(o8),
        b: write(o9),
        x: report(o8, 100),
        y: report(o9, 100),
      });
    });
  });

  it('counts from the first loss: the closes of failed reconnects do not restart the timer', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const connected$ = hot('t f 49ms f 49ms f', up);
      expectObservable(failsafe(connected$, { thing: 't', outputs: [o8], now: () => scheduler.now() }), '^ 1s !').toBe('101ms a', { a: write(o8) });
    });
  });

  it('starts afresh on each loss, and reports each outage once, when it ends', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      // Out 0-150 (moves at 100), up 150-200, out 200-250 (back sooner), up, out 300-450 (moves at 400).
      const connected$ = hot('f 149ms t 49ms f 49ms t 49ms f 149ms t', up);
      expectObservable(failsafe(connected$, { thing: 't', outputs: [o8], now: () => scheduler.now() }), '^ 1s !').toBe('100ms a 49ms x 249ms b 49ms y', {
        a: write(o8),
        x: report(o8, 100),
        b: write(o8),
        y: report(o8, 400),
      });
    });
  });

  it('does nothing while the connection stays up, and nothing at all without failsafe outputs', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, cold, expectObservable }) => {
      expectObservable(failsafe(hot('t 500ms t', up), { thing: 't', outputs, now: () => scheduler.now() }), '^ 1s !').toBe('');
      expectObservable(failsafe(cold('f', up), { thing: 't', outputs: [] }), '^ 1s !').toBe('|');
    });
  });
});

const pins: PinSpec[] = [
  { pin: 8, direction: 'output', initial: 0, activeLow: false, failsafe: { level: 0, afterMs: 100 } },
  { pin: 9, direction: 'output', initial: 0, activeLow: true, failsafe: { level: 1, afterMs: 100 } },
  { pin: 10, direction: 'output', initial: 1, activeLow: false },
];
const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });
const r = (topic: string, payload: string): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false });
const sim = () => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const moved = (pin: number, level: 0 | 1): Output => ({ _tag: 'FailsafeMoved', pin, level, afterMs: 100 });

describe('failsafe writes on the output path (marbles, simulated chip)', () => {
  it('come out of the per-pin path as writes: a pulse in progress ends there, with no switch-back after it', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const [spec8] = failsafesOf(pins);
      const request$ = hot('-p', { p: r('8/pulse', '1000') });
      const command$ = hot('--------------------w', { w: failsafeWrite('t', spec8 as FailsafeSpec) });
      expectObservable(answerRequests(request$, { table, driver, command$ }), '^ 2s !').toBe('-a 18ms (bm)', { a: state(8, 1), b: state(8, 0), m: moved(8, 0) });
      flush();
      expect(driver.lineLevel(8)).toBe(0);
    });
  });

  it('are not carried out after stop$', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const command$ = hot('--w', { w: failsafeWrite('t', { pin: 9, level: 1, afterMs: 100 }) });
      expectObservable(answerRequests(hot<Request>(''), { table, driver, command$, stop$: hot('-s') }), '^ 1s !').toBe('');
      flush();
      expect(driver.lineLevel(9)).toBe(1); // active-low, logically 0 as it started: the failsafe's 1 would make it 0
    });
  });
});

describe('connector with connected$ (marbles, simulated chip)', () => {
  it('moves the failsafe outputs to their logical levels (active-low respected), leaves the others, and reports when the broker is back', () => {
    const scheduler = newScheduler();
    scheduler.run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot<Request>('10ms a', { a: r('8/write', '1') });
      const connected$ = hot('t-f 199ms t', up);
      const out$ = connector({ request$, connected$, resync$: EMPTY }, { thingName: 't', pins, pollPeriodMs: 10, driver, now: () => scheduler.now() });
      expectObservable(out$, '^ 1s !').toBe('(abc) 5ms w 91ms (xmyn) 94ms (pq)', {
        a: state(8, 0),
        w: state(8, 1),
        b: state(9, 0),
        c: state(10, 1),
        x: state(8, 0),
        m: moved(8, 0),
        y: state(9, 1),
        n: moved(9, 1),
        p: report({ pin: 8, level: 0, afterMs: 100 }, 102),
        q: report({ pin: 9, level: 1, afterMs: 100 }, 102),
      });
      flush();
      // 9 is active-low: its failsafe level 1 is a low line.
      expect([driver.lineLevel(8), driver.lineLevel(9), driver.lineLevel(10)]).toEqual([0, 0, 1]);
    });
  });
});
