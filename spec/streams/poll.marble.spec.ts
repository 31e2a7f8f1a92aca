import * as E from 'fp-ts/Either';
import { EMPTY, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { GpioDriver } from '../../src/core/driver';
import type { InputSpec, Level, PinSpec } from '../../src/core/model';
import { observed as lvl } from '../../src/core/observation';
import { pollLevels } from '../../src/streams/poll';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const sim = (pins: PinSpec[]) => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const input = (pin: number, more: Partial<InputSpec> = {}): InputSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow: false, ...more });

/** A scripted chip for the pure pipeline: each bulk read returns the next sample. */
const scripted = (inputs: number[], samples: Array<Level[] | string>): GpioDriver & { reads: number } => {
  const d = {
    kind: 'sim' as const,
    description: 'scripted',
    inputs,
    reads: 0,
    readInputs: () => {
      const s = samples[Math.min(d.reads++, samples.length - 1)] as Level[] | string;
      return typeof s === 'string' ? E.left({ message: s }) : E.right(s);
    },
    read: () => E.left({ message: 'unused' }),
    write: () => E.left({ message: 'unused' }),
    edgeInputs: [],
  edges: () => EMPTY,
  close: () => undefined,
  };
  return d;
};

describe('pollLevels (marbles)', () => {
  it('emits every polled pin on the first tick, then only the pins that changed', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const driver = sim([input(5), input(6)]);
      hot('--a----b', { a: 5, b: 6 }).subscribe((pin) => driver.simulate(pin, 1));
      expectObservable(pollLevels(cold('x-----x-x'), { driver, thing: 't' })).toBe('(ab)--c-d', {
        a: lvl(5, 0),
        b: lvl(6, 0),
        c: lvl(5, 1),
        d: lvl(6, 1),
      });
    });
  });

  it('misses a pulse shorter than the poll period: the reason for edges', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const driver = sim([input(5)]);
      hot('--a-b', { a: 1, b: 0 }).subscribe((level) => driver.simulate(5, level as 0 | 1));
      expectObservable(pollLevels(cold('x-----x'), { driver, thing: 't' })).toBe('a', { a: lvl(5, 0) });
    });
  });

  it('publishes each input\'s first sample, then only its changes', () => {
    newScheduler().run(({ expectObservable }) => {
      const driver = scripted([5, 6], [[0, 1], [0, 1], [1, 1], [1, 0], [1, 0], [0, 0]]);
      const out$ = pollLevels(timer(0, 10), { driver, thing: 't' });
      expectObservable(out$, '^ 55ms !').toBe('(ab) 16ms c 9ms d 19ms e', {
        a: lvl(5, 0),
        b: lvl(6, 1),
        c: lvl(5, 1),
        d: lvl(6, 0),
        e: lvl(5, 0),
      });
    });
  });

  it('reads all inputs in one bulk read per tick', () => {
    const driver = scripted([5, 6, 7], [[0, 0, 0]]);
    newScheduler().run(({ expectObservable }) => {
      expectObservable(pollLevels(timer(0, 10), { driver, thing: 't' }), '^ 45ms !').toBe('(abc)', {
        a: lvl(5, 0),
        b: lvl(6, 0),
        c: lvl(7, 0),
      });
    });
    expect(driver.reads).toBe(5); // ticks at 0, 10, 20, 30, 40
  });

  it('reports a failing read once per run of failures and resumes publishing after it', () => {
    newScheduler().run(({ expectObservable }) => {
      const driver = scripted([5], [[0], 'EIO', 'EIO', [1], 'EBUSY']);
      expectObservable(pollLevels(timer(0, 10), { driver, thing: 't' }), '^ 45ms !').toBe('a 9ms f 19ms b 9ms g', {
        a: lvl(5, 0),
        b: lvl(5, 1),
        f: {
          _tag: 'Rejected',
          error: { topic: 'gpio/t/5/state', error: 'GPIO driver failure', long_description: 'Polling GPIO 5 failed: EIO' },
        },
        g: {
          _tag: 'Rejected',
          error: { topic: 'gpio/t/5/state', error: 'GPIO driver failure', long_description: 'Polling GPIO 5 failed: EBUSY' },
        },
      });
    });
  });

  it('stops reading when unsubscribed', () => {
    const driver = scripted([5], [[0]]);
    newScheduler().run(({ expectObservable }) => {
      expectObservable(pollLevels(timer(0, 10), { driver, thing: 't' }), '^ 25ms !').toBe('a', { a: lvl(5, 0) });
    });
    expect(driver.reads).toBe(3); // 0, 10, 20; none after the unsubscription at 25
  });
});
