import * as E from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { PinSpec } from '../../src/core/model';
import { state } from '../../src/core/outputs';
import type { Request } from '../../src/core/reducer';
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
