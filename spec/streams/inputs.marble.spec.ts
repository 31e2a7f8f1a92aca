import * as E from 'fp-ts/Either';
import { EMPTY, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { GpioDriver } from '../../src/adapters/gpio/driver';
import type { Level } from '../../src/core/model';
import { state } from '../../src/core/outputs';
import { pollInputs } from '../../src/streams/inputs';

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

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('pollInputs (marbles)', () => {
  it('publishes each input\'s first sample, then only its changes', () => {
    newScheduler().run(({ expectObservable }) => {
      const driver = scripted([5, 6], [[0, 1], [0, 1], [1, 1], [1, 0], [1, 0], [0, 0]]);
      const out$ = pollInputs(timer(0, 10), { driver, thing: 't' });
      expectObservable(out$, '^ 55ms !').toBe('(ab) 16ms c 9ms d 19ms e', {
        a: state(5, 0),
        b: state(6, 1),
        c: state(5, 1),
        d: state(6, 0),
        e: state(5, 0),
      });
    });
  });

  it('reads all inputs in one bulk read per tick', () => {
    const driver = scripted([5, 6, 7], [[0, 0, 0]]);
    newScheduler().run(({ expectObservable }) => {
      expectObservable(pollInputs(timer(0, 10), { driver, thing: 't' }), '^ 45ms !').toBe('(abc)', {
        a: state(5, 0),
        b: state(6, 0),
        c: state(7, 0),
      });
    });
    expect(driver.reads).toBe(5); // ticks at 0, 10, 20, 30, 40
  });

  it('reports a failing read once per run of failures and resumes publishing after it', () => {
    newScheduler().run(({ expectObservable }) => {
      const driver = scripted([5], [[0], 'EIO', 'EIO', [1], 'EBUSY']);
      expectObservable(pollInputs(timer(0, 10), { driver, thing: 't' }), '^ 45ms !').toBe('a 9ms f 19ms b 9ms g', {
        a: state(5, 0),
        b: state(5, 1),
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
      expectObservable(pollInputs(timer(0, 10), { driver, thing: 't' }), '^ 25ms !').toBe('a', { a: state(5, 0) });
    });
    expect(driver.reads).toBe(3); // 0, 10, 20; none after the unsubscription at 25
  });
});
