import * as E from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import type { GpioDriver } from '../../src/adapters/gpio/driver';
import type { PinSpec } from '../../src/core/model';
import { pinTable, type Request } from '../../src/core/reducer';
import { answerRequests } from '../../src/streams/requests';

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
