import { TestScheduler } from 'rxjs/testing';
import type { Level } from '../../src/core/model';
import type { PulseCommand, PulseWrite } from '../../src/core/pulse';
import { pulseOutputs } from '../../src/streams/pulse';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const pulse = (pin: number, durationMs: number): PulseCommand => ({ kind: 'pulse', pin, durationMs });
const write = (pin: number, level: Level): PulseCommand => ({ kind: 'write', pin, level });
const stop: PulseCommand = { kind: 'stop' };

const on = (pin: number): PulseWrite => ({ pin, level: 1, cause: 'pulse-on' });
const off = (pin: number): PulseWrite => ({ pin, level: 0, cause: 'pulse-off' });
const wrote = (pin: number, level: Level): PulseWrite => ({ pin, level, cause: 'write' });

describe('pulseOutputs (marbles)', () => {
  it('switches the output on at once and off after the duration', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p', { p: pulse(5, 10) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a 9ms b', { a: on(5), b: off(5) });
    });
  });

  it('cancels the switch-back when the pin is written during the pulse', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p 2ms w', { p: pulse(5, 10), w: write(5, 1) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a 2ms b', { a: on(5), b: wrote(5, 1) });
    });
  });

  it('keeps the switch-back when another pin is written', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p 2ms w', { p: pulse(5, 10), w: write(6, 1) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a 2ms b 6ms c', { a: on(5), b: wrote(6, 1), c: off(5) });
    });
  });

  it('restarts the timer on a new pulse during a pulse, writing 1 again for it', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      // Off at 5 + 10 ms, not at the first pulse's 10 ms.
      const in$ = cold('  p 4ms q', { p: pulse(5, 10), q: pulse(5, 10) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a 4ms a 9ms b', { a: on(5), b: off(5) });
    });
  });

  it('pulses pins independently', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p q', { p: pulse(5, 10), q: pulse(6, 3) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a b 2ms d 5ms c', { a: on(5), b: on(6), c: off(5), d: off(6) });
    });
  });

  it('passes plain writes through in order', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  a b (cd)', { a: write(5, 1), b: write(6, 0), c: write(5, 0), d: write(6, 1) });
      expectObservable(pulseOutputs(in$), '^ 30ms !').toBe('a b (cd)', {
        a: wrote(5, 1),
        b: wrote(6, 0),
        c: wrote(5, 0),
        d: wrote(6, 1),
      });
    });
  });

  it('on stop, switches off every pulse in progress at once, completes, and takes no more commands', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  p q 2ms s p w', { p: pulse(17, 10), q: pulse(6, 20), s: stop, w: write(5, 1) });
      expectObservable(pulseOutputs(in$)).toBe('a b 2ms (cd|)', { a: on(17), b: on(6), c: off(6), d: off(17) });
      expectSubscriptions(in$.subscriptions).toBe('^ 3ms !');
    });
  });

  it('on stop with no pulse in progress, just completes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p 19ms s', { p: pulse(5, 10), s: stop });
      expectObservable(pulseOutputs(in$)).toBe('a 9ms b 9ms |', { a: on(5), b: off(5) });
    });
  });

  it('treats the end of the commands as a stop', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p 2ms |', { p: pulse(5, 10) });
      expectObservable(pulseOutputs(in$)).toBe('a 2ms (b|)', { a: on(5), b: off(5) });
    });
  });

  it('switches off pulses in progress before passing an input error on', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const in$ = cold('  p 2ms #', { p: pulse(5, 10) }, new Error('boom'));
      expectObservable(pulseOutputs(in$)).toBe('a 2ms (b#)', { a: on(5), b: off(5) }, new Error('boom'));
    });
  });

  it('cancels the timers when unsubscribed', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('  p', { p: pulse(5, 100) });
      expectObservable(pulseOutputs(in$), '^ 20ms !').toBe('a', { a: on(5) });
      expectSubscriptions(in$.subscriptions).toBe('^ 20ms !');
    });
    // A timer left running would have advanced virtual time to 100 ms while flushing.
    expect(scheduler.frame).toBeLessThan(100);
  });
});
