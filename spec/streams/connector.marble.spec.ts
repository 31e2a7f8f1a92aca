import * as E from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { InputSpec, PinSpec } from '../../src/core/model';
import { type Output, state } from '../../src/core/outputs';
import type { Request } from '../../src/core/requests';
import { connector } from '../../src/streams/connector';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'pull-down', activeLow: false },
  { pin: 6, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 8, direction: 'output', initial: 1, activeLow: false },
  { pin: 9, direction: 'output', initial: 'keep', activeLow: false },
];
const r = (topic: string, payload = '', retained = false): Request => ({ topic: `gpio/t/${topic}`, payload, retained });
const sim = () => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const deps = (driver: ReturnType<typeof sim>) => ({ thingName: 't', pins, pollPeriodMs: 10, driver });

describe('connector (marbles)', () => {
  it('publishes outputs and first input samples at start-up, then answers interleaved requests', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const driver = sim();
      const request$ = hot('  -------a----b-c-d-ef', {
        a: r('5/simulate', '1'),
        b: r('8/write', '0'),
        c: r('22/write', '1'),
        d: r('9/read'),
        e: r('5/write', '1'),
        f: r('8/read'),
      });
      const out$ = connector({ request$ }, deps(driver));
      expectObservable(out$, '^ 25ms !').toBe('(opqr) 1ms a 2ms t 1ms b 1ms c 1ms d 1ms ef', {
        o: state(8, 1),
        p: state(9, 0),
        q: state(5, 0),
        r: state(6, 1),
        a: { _tag: 'Simulated', topic: 'gpio/t/5/simulate', pin: 5, level: 1 },
        b: state(8, 0),
        c: {
          _tag: 'Rejected',
          error: {
            topic: 'gpio/t/22/write',
            error: 'Unconfigured GPIO',
            long_description: 'GPIO 22 is not configured. Inputs: 5, 6; outputs: 8, 9.',
          },
        },
        t: state(5, 1), // the poll at 10 ms sees the simulated level
        d: state(9, 0),
        e: {
          _tag: 'Rejected',
          error: {
            topic: 'gpio/t/5/write',
            error: 'Invalid GPIO operation',
            long_description: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.',
          },
        },
        f: state(8, 0),
      });
      expectSubscriptions(request$.subscriptions).toBe('^ 25ms !');
    });
  });

  it('republishes every pin\'s level on each resync (a broker reconnect)', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot<Request>('-');
      const resync$ = hot('   30ms x', { x: null });
      expectObservable(connector({ request$, resync$ }, deps(driver)), '^ 40ms !').toBe('(opqr) 24ms (qrop)', {
        o: state(8, 1),
        p: state(9, 0),
        q: state(5, 0),
        r: state(6, 1),
      });
    });
  });

  it('does not apply a retained write unless configured to', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('7ms a b', { a: r('8/write', '0', true), b: r('8/read') });
      expectObservable(connector({ request$ }, { ...deps(driver), pollPeriodMs: 1000 }), '^ 10ms !').toBe('(opqr) 1ms ab', {
        o: state(8, 1),
        p: state(9, 0),
        q: state(5, 0),
        r: state(6, 1),
        a: {
          _tag: 'Ignored',
          topic: 'gpio/t/8/write',
          reason: expect.stringContaining('retained write ignored'),
          retained: 'write',
        },
        b: state(8, 1),
      });
    });
  });
});

const input = (pin: number, more: Partial<InputSpec> = {}): InputSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow: false, ...more });
const count = (pin: number, n: number): Output => ({ _tag: 'Count', pin, count: n });
const event = (pin: number, rising: boolean, timestampNs?: bigint): Output =>
  timestampNs === undefined ? { _tag: 'Event', pin, rising } : { _tag: 'Event', pin, rising, timestampNs };

describe('connector with edge inputs (marbles, simulated chip)', () => {
  it('publishes a doorbell once per press through debounce, counts meter pulses, and pulses a relay', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const pins: PinSpec[] = [
        input(5, { edge: 'falling', bias: 'pull-up', debounceMs: 30, events: true }), // doorbell: pressed pulls low
        input(6, { edge: 'both', count: 'rising' }), // water meter reed switch
        { pin: 8, direction: 'output', initial: 0, activeLow: false }, // relay
      ];
      const driver = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
      const r = (topic: string, payload: string): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false });
      // Two meter pulses; a press that bounces three times within 3 ms, then held; a relay pulse of 50 ms.
      hot('10ms x 9ms y 9ms x 9ms y', { x: 1, y: 0 }).subscribe((l) => driver.simulate(6, l as 0 | 1));
      hot('50ms a b c d 6ms e', { a: 0, b: 1, c: 0, d: 1, e: 0 }).subscribe((l) => driver.simulate(5, l as 0 | 1));
      const request$ = hot('100ms p', { p: r('8/pulse', '50') });
      const at = expect.any(BigInt) as unknown as bigint;
      expectObservable(connector({ request$ }, { thingName: 't', pins, pollPeriodMs: 10, driver }), '^ 200ms !').toBe(
        '(acdb) 4ms (ef) 6ms g 9ms (hi) 6ms j 49ms (kl) 6ms m 49ms n',
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
