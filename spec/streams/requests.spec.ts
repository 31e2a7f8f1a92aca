import * as E from 'fp-ts/Either';
import { EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { GpioDriver } from '../../src/adapters/gpio/driver';
import type { PinSpec } from '../../src/core/model';
import { pinTable, type Request } from '../../src/core/requests';
import { answerRequests } from '../../src/streams/requests';
import { openSimDriver } from '../../src/adapters/gpio/sim';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
  { pin: 8, direction: 'output', initial: 0, activeLow: false },
];

/** A chip whose every line operation fails, as a line taken away under us would. */
const failing: GpioDriver = {
  kind: 'libgpiod',
  description: 'failing',
  inputs: [5],
  readInputs: () => E.left({ message: 'EIO' }),
  read: (pin) => E.left({ pin, message: 'Input/output error' }),
  write: (pin) => E.left({ pin, message: 'Device or resource busy' }),
  edgeInputs: [],
  edges: () => EMPTY,
  close: () => undefined,
};

describe('answerRequests when the driver fails (marbles)', () => {
  it('answers each failed read or write with a GPIO driver failure and keeps answering', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ hot, expectObservable }) => {
      const req = (topic: string, payload = ''): Request => ({ topic, payload, retained: false });
      const request$ = hot('-a-b-c-d', {
        a: req('gpio/t/5/read'),
        b: req('gpio/t/8/write', '1'),
        c: req('gpio/t/5/simulate', '1'),
        d: req('gpio/t/5/write', '1'),
      });
      const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: false });
      const rejected = (topic: string, error: string, long_description: string) => ({
        _tag: 'Rejected',
        error: { topic, error, long_description },
      });
      expectObservable(answerRequests(request$, { table, driver: failing })).toBe('-a-b-c-d', {
        a: rejected('gpio/t/5/read', 'GPIO driver failure', 'Reading GPIO 5 failed: Input/output error'),
        b: rejected('gpio/t/8/write', 'GPIO driver failure', 'Writing GPIO 8 failed: Device or resource busy'),
        c: rejected('gpio/t/5/simulate', 'Invalid GPIO operation', 'Simulated inputs are only available with gpio.driver: sim.'),
        d: rejected(
          'gpio/t/5/write',
          'Invalid GPIO operation',
          'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.',
        ),
      });
    });
  });
});

describe('answerRequests carries how each request asked to be answered (marbles)', () => {
  it('puts the request reply on its state or error answer, and on nothing else', () => {
    const opened = openSimDriver(pins);
    if (E.isLeft(opened)) throw new Error(opened.left);
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ hot, expectObservable }) => {
      const r1 = { qos: 0 as const, responseTopic: 'replies/a', correlationData: new Uint8Array([1, 2]), userProperties: { k: 'v' } };
      const r2 = { qos: 1 as const };
      const request$ = hot('-a-b-c', {
        a: { topic: 'gpio/t/8/write', payload: '1', retained: false, reply: r1 },
        b: { topic: 'gpio/t/5/write', payload: '1', retained: false, reply: r2 },
        c: { topic: 'gpio/other/8/write', payload: '1', retained: false, reply: r2 },
      });
      const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });
      expectObservable(answerRequests(request$, { table, driver: opened.right })).toBe('-a-b-c', {
        a: { _tag: 'State', pin: 8, level: 1, reply: r1 },
        b: {
          _tag: 'Rejected',
          error: { topic: 'gpio/t/5/write', error: 'Invalid GPIO operation', long_description: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.' },
          reply: r2,
        },
        c: { _tag: 'Ignored', topic: 'gpio/other/8/write', reason: 'not a request topic of this thing' },
      });
    });
  });
});
