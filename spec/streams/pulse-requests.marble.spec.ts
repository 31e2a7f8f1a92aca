import * as E from 'fp-ts/Either';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { PinSpec } from '../../src/core/model';
import { state } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/requests';
import { answerRequests } from '../../src/streams/requests';

// Pulse requests through the request unit, on the simulated chip, in virtual time.
const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
  { pin: 8, direction: 'output', initial: 0, activeLow: false },
  { pin: 9, direction: 'output', initial: 0, activeLow: true },
];
const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });
const r = (topic: string, payload: string): Request => ({ topic: `gpio/t/${topic}`, payload, retained: false });
const sim = () => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('answerRequests: pulses (marbles)', () => {
  it('switches the output on at once and off after the duration, answering with a state at each switch', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('-p', { p: r('8/pulse', '100') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 200ms !').toBe('-a 99ms b', { a: state(8, 1), b: state(8, 0) });
    });
  });

  it('pulses an active-low output to its active level: physically low, then high again', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const seen: Array<number | undefined> = [];
      const request$ = hot('-p', { p: r('9/pulse', '10') });
      const out$ = answerRequests(request$, { table, driver });
      expectObservable(out$, '^ 50ms !').toBe('-a 9ms b', { a: state(9, 1), b: state(9, 0) });
      // A meter on the pin: sampled after each switch.
      hot('--x 9ms y', { x: 0, y: 0 }).subscribe(() => seen.push(driver.lineLevel(9)));
      flush();
      expect(seen).toEqual([0, 1]);
    });
  });

  it('cancels the switch-back when a write comes during the pulse: the last request wins', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('-p 9ms w', { p: r('8/pulse', '100'), w: r('8/write', '1') });
      // No off at 101 ms: the write took the pin over.
      expectObservable(answerRequests(request$, { table, driver }), '^ 300ms !').toBe('-a 9ms b', { a: state(8, 1), b: state(8, 1) });
    });
  });

  it('restarts the timer on a second pulse, answering each request', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('-p 49ms q', { p: r('8/pulse', '100'), q: r('8/pulse', '100') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 300ms !').toBe('-a 49ms b 99ms c', { a: state(8, 1), b: state(8, 1), c: state(8, 0) });
    });
  });

  it('answers a pulse to an input and bad durations on the error topic', () => {
    const driver = sim();
    const out: string[] = [];
    const request$ = new Subject<Request>();
    answerRequests(request$, { table, driver }).subscribe((o) => out.push(o._tag === 'Rejected' ? o.error.error : `${o._tag}:${'level' in o ? o.level : ''}`));
    request$.next(r('5/pulse', '10'));
    request$.next(r('8/pulse', '3600001'));
    request$.next(r('8/pulse', 'abc'));
    expect(out).toEqual(['Invalid GPIO operation', 'Invalid payload', 'Invalid payload']);
  });

  it('switches a pulsed output off on stop$, answering it, and on unsubscribing, silently', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim();
      const request$ = hot('-p', { p: r('8/pulse', '1000') });
      const stop$ = hot('  -----s', { s: 0 });
      expectObservable(answerRequests(request$, { table, driver, stop$ }), '^ 2000ms !').toBe('-a---b', { a: state(8, 1), b: state(8, 0) });
    });
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot('-p', { p: r('8/pulse', '1000') });
      expectObservable(answerRequests(request$, { table, driver }), '^ 5ms !').toBe('-a', { a: state(8, 1) });
      flush();
      // Unsubscribed at 5 ms, mid-pulse: the line is off, and stays off.
      expect(driver.lineLevel(8)).toBe(0);
    });
  });

  it('on stop$, ends the pulses in progress by pin number, answering each, and carries out no write or pulse after it', () => {
    newScheduler().run(({ hot, expectObservable, flush }) => {
      const driver = sim();
      const request$ = hot('-p-q--w---r', { p: r('9/pulse', '1000'), q: r('8/pulse', '1000'), w: r('8/write', '1'), r: r('5/read', '') });
      const stop$ = hot('  -----s', { s: 0 });
      // 8 goes off before 9, though 9 was pulsed first; the write at 6 ms is dropped, the read at 10 ms answered.
      expectObservable(answerRequests(request$, { table, driver, stop$ }), '^ 2000ms !').toBe('-a-b-(cd)-r', {
        a: state(9, 1),
        b: state(8, 1),
        c: state(8, 0),
        d: state(9, 0),
        r: state(5, 0),
      });
      flush();
      expect([driver.lineLevel(8), driver.lineLevel(9)]).toEqual([0, 1]);
    });
  });
});
