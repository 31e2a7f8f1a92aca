import * as E from 'fp-ts/Either';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { PinSpec } from '../../src/core/model';
import { pwmState, state } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/requests';
import { perPin, type Stop, stopOf } from '../../src/streams/per-pin';
import { pwmOff, pwmRunning } from '../../src/streams/pwm';
import { answerRequests } from '../../src/streams/requests';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('pwmRunning: the PWM behaviour, per pin (marbles)', () => {
  type Cmd = { readonly _tag: 'Pwm' | 'Write'; readonly pin: number; readonly n: number };
  const pwm = (pin: number, n: number): Cmd => ({ _tag: 'Pwm', pin, n });
  const write = (pin: number, n: number): Cmd => ({ _tag: 'Write', pin, n });
  const behaviour = perPin(pwmRunning<Cmd, Cmd>((c) => of(c)));

  it('carries a PWM out at once and, on its pin\'s stop, ends it with a PwmOff', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const c = hot<Cmd | Stop>('-a---s', { a: pwm(12, 1), s: stopOf(12) });
      expectObservable(c.pipe(behaviour)).toBe('-a---o', { a: pwm(12, 1), o: pwmOff(12) });
      expectSubscriptions(c.subscriptions).toBe('^');
    });
  });

  it('is replaced by the pin\'s next command: a write takes the line over, with no PwmOff after it', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const c = hot<Cmd | Stop>('-a-w-s', { a: pwm(12, 1), w: write(12, 2), s: stopOf(12) });
      expectObservable(c.pipe(behaviour)).toBe('-a-w--', { a: pwm(12, 1), w: write(12, 2) });
    });
  });

  it('a new setting replaces the last one; pins do not cancel each other', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const c = hot<Cmd | Stop>('-a-b-c-s-t', { a: pwm(12, 1), b: pwm(13, 1), c: pwm(12, 2), s: stopOf(12), t: stopOf(13) });
      expectObservable(c.pipe(behaviour)).toBe('-a-b-c-o-p', { a: pwm(12, 1), b: pwm(13, 1), c: pwm(12, 2), o: pwmOff(12), p: pwmOff(13) });
    });
  });
});

describe('answerRequests: PWM on the simulated chip (marbles)', () => {
  const pins: PinSpec[] = [
    { pin: 8, direction: 'output', initial: 0, activeLow: false },
    { pin: 12, direction: 'output', initial: 0, activeLow: false, pwm: { frequency: 1000, duty: 0.25 } },
  ];
  const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });
  const r = (topic: string, payload: string): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false, reply: { qos: 1 } });
  const sim = () => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));

  it('starts each PWM output at its configured setting, then answers requests with the completed setting', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot('--a-b', { a: r('12/pwm', '{"duty":"50%"}'), b: r('12/pwm', '{"frequency":100}') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 10ms !').toBe('s-a-b', {
        s: pwmState(12, { frequency: 1000, duty: 0.25 }),
        a: pwmState(12, { frequency: 1000, duty: 0.5 }, { qos: 1 }),
        b: pwmState(12, { frequency: 100, duty: 0.5 }, { qos: 1 }),
      });
      // The chip's model, sampled while the unit runs, and after unsubscribing (which ends the PWM low).
      const seen: unknown[] = [];
      hot('-x---y', { x: 0, y: 0 }).subscribe(() => seen.push(driver.pwmSetting?.(12)));
      flush();
      expect(seen).toEqual([{ frequency: 1000, duty: 0.25 }, { frequency: 100, duty: 0.5 }]);
      expect(driver.pwmSetting?.(12)).toEqual({ frequency: 100, duty: 0 });
    });
  });

  it('write 0/1 switches the PWM off at that level, answered on state and pwm/state', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot('--w---p', { w: r('12/write', '1'), p: r('12/pwm', '10%') });
      const seen: unknown[] = [];
      hot('---x', { x: 0 }).subscribe(() => seen.push([driver.pwmSetting?.(12), driver.lineLevel(12)]));
      expectObservable(answerRequests(request$, { table, driver }), '^ 10ms !').toBe('s-(ab)c', {
        s: pwmState(12, { frequency: 1000, duty: 0.25 }),
        a: { ...state(12, 1), reply: { qos: 1 } },
        b: pwmState(12, { frequency: 1000, duty: 1 }),
        c: pwmState(12, { frequency: 1000, duty: 0.1 }, { qos: 1 }),
      });
      flush();
      // Between the write and the next PWM: no PWM in the chip's model, the line high.
      expect(seen).toEqual([[undefined, 1]]);
    });
  });

  it('a pulse on a PWM output takes it over, and its switch-back leaves the duty at 0', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('--p', { p: r('12/pulse', '5') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 20ms !').toBe('s-(ab) 1ms (cd)', {
        s: pwmState(12, { frequency: 1000, duty: 0.25 }),
        a: { ...state(12, 1), reply: { qos: 1 } },
        b: pwmState(12, { frequency: 1000, duty: 1 }),
        c: state(12, 0),
        d: pwmState(12, { frequency: 1000, duty: 0 }),
      });
    });
  });

  it('refuses PWM to an output without pwm: and leaves the running PWM as it was', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('--a', { a: r('8/pwm', '50%') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 10ms !').toBe('s-e', {
        s: pwmState(12, { frequency: 1000, duty: 0.25 }),
        e: {
          _tag: 'Rejected',
          reply: { qos: 1 },
          error: { topic: 'gpio/t/8/pwm', error: 'Invalid GPIO operation', long_description: 'GPIO 8 is an output without pwm: in the config. Give it pwm: {frequency: 1000} in pins: to take PWM requests.' },
        },
      });
    });
  });

  it('republishes every PWM setting on resync$, and ends the PWM low on stop$', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot<Request>('--a', { a: r('12/pwm', '{"duty":0.75}') });
      const resync$ = hot('    ----x', { x: 0 });
      const stop$ = hot('      ------s', { s: 0 });
      expectObservable(answerRequests(request$, { table, driver, resync$, stop$ }), '^ 10ms !').toBe('s-a-b-c', {
        s: pwmState(12, { frequency: 1000, duty: 0.25 }),
        a: pwmState(12, { frequency: 1000, duty: 0.75 }, { qos: 1 }),
        b: pwmState(12, { frequency: 1000, duty: 0.75 }),
        c: pwmState(12, { frequency: 1000, duty: 0 }),
      });
      flush();
      expect(driver.lineLevel(12)).toBe(0);
    });
  });
});
