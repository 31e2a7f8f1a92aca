import { EMPTY, interval, map, type Observable, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { switchBack, type SwitchBack } from '../../src/core/pulse';
import { type Behaviour, perPin, type Stop, stopOf, thenStop } from '../../src/streams/per-pin';
import { pulsing } from '../../src/streams/pulse';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A command as a host would make it: a pulse has a duration, a write has none. */
interface Cmd {
  readonly pin: number;
  readonly name: string;
  readonly ms?: number;
}
const pulse = (pin: number, ms: number, name = `pulse ${pin}`): Cmd => ({ pin, name, ms });
const write = (pin: number, name = `write ${pin}`): Cmd => ({ pin, name });
const pulses = perPin<Cmd, Cmd | SwitchBack>(pulsing((c) => c.ms));

describe('perPin with the pulse behaviour (marbles)', () => {
  it('carries a pulse out at once and switches back after its duration', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const in$ = cold<Cmd | Stop>('  p', { p });
      expectObservable(in$.pipe(pulses), '^ 30ms !').toBe('p 9ms o', { p, o: switchBack(5) });
    });
  });

  it('cancels the switch-back when the pin is written during the pulse', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const w = write(5);
      const in$ = cold<Cmd | Stop>('  p 2ms w', { p, w });
      expectObservable(in$.pipe(pulses), '^ 30ms !').toBe('p 2ms w', { p, w });
    });
  });

  it('restarts the timer on a new pulse: the switch-back comes after the last one', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10, 'first');
      const q = pulse(5, 10, 'second');
      const in$ = cold<Cmd | Stop>('  p 4ms q', { p, q });
      expectObservable(in$.pipe(pulses), '^ 30ms !').toBe('p 4ms q 9ms o', { p, q, o: switchBack(5) });
    });
  });

  it('keeps pins apart: a write to one pin, or a pulse on it, leaves another pin\'s pulse running', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const w = write(6);
      const q = pulse(7, 3);
      const in$ = cold<Cmd | Stop>('  p w q', { p, w, q });
      expectObservable(in$.pipe(pulses), '^ 30ms !').toBe('p w q 2ms b 4ms a', { p, w, q, a: switchBack(5), b: switchBack(7) });
    });
  });

  it('on a pin\'s Stop, ends its pulse at once with the switch-back, and completes the pin', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const q = pulse(6, 10);
      // Pin 5 stops at 3 ms; pin 6 still switches back at 11 ms; pin 7 had nothing running.
      const in$ = cold<Cmd | Stop>('  p q 1ms (st) 10ms |', { p, q, s: stopOf(5), t: stopOf(7) });
      expectObservable(in$.pipe(pulses)).toBe('p q 1ms a 7ms b 5ms |', { p, q, a: switchBack(5), b: switchBack(6) });
    });
  });

  it('after a Stop, the pin takes no command', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const w = write(5);
      const in$ = cold<Cmd | Stop>('  s w', { s: stopOf(5), w });
      expectObservable(in$.pipe(pulses), '^ 10ms !').toBe('');
    });
  });

  it('cancels the timers when unsubscribed, writing nothing more', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const p = pulse(5, 100);
      const in$ = cold<Cmd | Stop>('  p', { p });
      expectObservable(in$.pipe(pulses), '^ 20ms !').toBe('p', { p });
      expectSubscriptions(in$.subscriptions).toBe('^ 20ms !');
    });
    expect(scheduler.frame).toBeLessThan(100);
  });
});

describe('thenStop into perPin (marbles)', () => {
  it('on stop$, stops every pin by pin number: the pulses in progress end at once, in pin order, and nothing comes after', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const p = pulse(17, 10);
      const q = pulse(6, 20);
      const w = write(5);
      const in$ = cold<Cmd>('  p q 2ms - w', { p, q, w });
      const stop$ = hot('     ---- s', { s: 0 });
      expectObservable(in$.pipe(thenStop(stop$, () => [17, 6, 5]), pulses)).toBe('p q 2ms (ab|)', { p, q, a: switchBack(6), b: switchBack(17) });
      expectSubscriptions(in$.subscriptions).toBe('^ 3ms !');
    });
  });

  it('treats the end of the commands as a stop', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const in$ = cold<Cmd>('  p 2ms |', { p });
      expectObservable(in$.pipe(thenStop(EMPTY, () => [5]), pulses)).toBe('p 2ms (o|)', { p, o: switchBack(5) });
    });
  });

  it('ends the pulses in progress before passing an error on', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const p = pulse(5, 10);
      const in$ = cold<Cmd>('  p 2ms #', { p }, new Error('boom'));
      expectObservable(in$.pipe(thenStop(EMPTY, () => [5]), pulses)).toBe('p 2ms (o#)', { p, o: switchBack(5) }, new Error('boom'));
    });
  });
});

describe('perPin with another behaviour (marbles)', () => {
  // A behaviour that lives until cancelled, as PWM would: the command's name every 4 ms; at a stop, `off`.
  const repeating: Behaviour<Cmd, string> = (c, stopped$: Observable<Stop>) =>
    interval(4).pipe(
      map(() => c.name),
      takeUntil(stopped$),
    );

  it('replaces a pin\'s running behaviour with the next command\'s, and runs pins side by side', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold<Cmd | Stop>('  a 5ms b 1ms c', { a: write(1, 'a'), b: write(1, 'b'), c: write(2, 'c') });
      //                 a at 4; b from 6: at 10, 14, 18; c from 8: at 12, 16
      expectObservable(in$.pipe(perPin(repeating)), '^ 19ms !').toBe('4ms a 5ms b 1ms c 1ms b 1ms c 1ms b', { a: 'a', b: 'b', c: 'c' });
    });
  });
});
