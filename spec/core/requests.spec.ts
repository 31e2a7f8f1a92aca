import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import type { PinSpec } from '../../src/core/model';
import { parsePin } from '../../src/core/payload';
import { decide, pinTable, type Request } from '../../src/core/requests';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
  { pin: 22, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 8, direction: 'output', initial: 1, activeLow: false },
  { pin: 27, direction: 'output', initial: 'keep', activeLow: false },
];
const table = pinTable('my-core-thing', pins, { acceptRetainedWrites: false, simulate: true });
const req = (topic: string, payload = '', retained = false): Request => ({ topic, payload, retained });
const run = decide(table);

describe('decide: the request reducer', () => {
  it('rejects a write to an input pin with the seed connector\'s exact error', () => {
    expect(run(req('gpio/my-core-thing/22/write', '1'))).toEqual(
      E.left({
        _tag: 'Rejected',
        error: {
          topic: 'gpio/my-core-thing/22/write',
          error: 'Invalid GPIO operation',
          long_description: 'GPIO 22 is configured as an INPUT GPIO. Write operations are not permitted.',
        },
      }),
    );
  });

  describe('pulse requests', () => {
    it.each([
      ['500', 500],
      ['"500"', 500],
      [' 1 ', 1],
      ['3600000', 3_600_000],
    ])('turns a pulse of %s on an output into a Pulse command of %d ms', (payload, durationMs) => {
      expect(run(req('gpio/my-core-thing/8/pulse', payload))).toEqual(E.right({ _tag: 'Pulse', topic: 'gpio/my-core-thing/8/pulse', pin: 8, durationMs }));
    });

    it('rejects a pulse to an input as an Invalid GPIO operation', () => {
      expect(run(req('gpio/my-core-thing/22/pulse', '500'))).toEqual(
        E.left({
          _tag: 'Rejected',
          error: {
            topic: 'gpio/my-core-thing/22/pulse',
            error: 'Invalid GPIO operation',
            long_description: 'GPIO 22 is configured as an INPUT GPIO. Only OUTPUT GPIOs can be pulsed.',
          },
        }),
      );
    });

    it.each(['0', '3600001', '-1', '2.5', '1e3', '0x10', '', 'on', '"5'])('rejects the duration %j as an Invalid payload that states the bounds', (payload) => {
      const d = run(req('gpio/my-core-thing/8/pulse', payload));
      expect(E.isLeft(d) && d.left._tag === 'Rejected' && d.left.error).toEqual({
        topic: 'gpio/my-core-thing/8/pulse',
        error: 'Invalid payload',
        long_description: expect.stringContaining('whole milliseconds from 1 to 3600000'),
      });
    });

    it('answers a pulse to an unconfigured pin as Unconfigured GPIO, ignores a retained one, and refuses a queued one when asked to', () => {
      const unconfigured = run(req('gpio/my-core-thing/9/pulse', '500'));
      expect(E.isLeft(unconfigured) && unconfigured.left._tag === 'Rejected' && unconfigured.left.error.error).toBe('Unconfigured GPIO');
      const retained = run(req('gpio/my-core-thing/8/pulse', '500', true));
      expect(E.isLeft(retained) && retained.left._tag === 'Ignored' && retained.left.retained).toBe('pulse');
      const queued = decide({ ...table, refuseQueuedWrites: true })({ ...req('gpio/my-core-thing/8/pulse', '500'), queued: true });
      expect(E.isLeft(queued) && queued.left._tag === 'Rejected' && queued.left.error.error).toBe('Queued write refused');
    });
  });

  it('turns a read of any configured pin into a Read command, ignoring the payload', () => {
    expect(run(req('gpio/my-core-thing/5/read', 'whatever'))).toEqual(E.right({ _tag: 'Read', topic: 'gpio/my-core-thing/5/read', pin: 5 }));
    expect(run(req('gpio/my-core-thing/8/read'))).toEqual(E.right({ _tag: 'Read', topic: 'gpio/my-core-thing/8/read', pin: 8 }));
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['"0"', 0],
    ['"1"', 1],
    [' 1 \n', 1],
    ['\t"0"  ', 0],
  ])('accepts the write payload %j as level %d', (payload, level) => {
    expect(run(req('gpio/my-core-thing/8/write', payload))).toEqual(
      E.right({ _tag: 'Write', topic: 'gpio/my-core-thing/8/write', pin: 8, level }),
    );
  });

  it.each(['2', 'on', '', 'true', '01', '"1 "', '1.0', '{"value":1}'])('rejects the write payload %j', (payload) => {
    const d = run(req('gpio/my-core-thing/8/write', payload));
    expect(E.isLeft(d) && d.left._tag === 'Rejected' && d.left.error.error).toBe('Invalid payload');
  });

  it('rejects an unconfigured pin and lists the configured ones', () => {
    expect(run(req('gpio/my-core-thing/4/read'))).toEqual(
      E.left({
        _tag: 'Rejected',
        error: {
          topic: 'gpio/my-core-thing/4/read',
          error: 'Unconfigured GPIO',
          long_description: 'GPIO 4 is not configured. Inputs: 5, 22; outputs: 8, 27.',
        },
      }),
    );
  });

  it.each(['abc', '-1', '5x', '1e1', '0x5', ''])('rejects the pin segment %j as not a number', (segment) => {
    const d = run(req(`gpio/my-core-thing/${segment}/read`));
    expect(E.isLeft(d) && d.left._tag === 'Rejected' && d.left.error).toEqual({
      topic: `gpio/my-core-thing/${segment}/read`,
      error: 'Invalid GPIO number',
      long_description: `${JSON.stringify(segment)} is not a GPIO number. Use the BCM (SoC) GPIO number, for example gpio/my-core-thing/17/read.`,
    });
  });

  it.each([
    ['08', '8'],
    ['00008', '8'],
    ['00', '0'],
    ['027', '27'],
  ])('rejects the pin segment %j, with leading zeros, pointing at %j', (segment, canonical) => {
    const d = run(req(`gpio/my-core-thing/${segment}/read`));
    expect(E.isLeft(d) && d.left._tag === 'Rejected' && d.left.error).toEqual({
      topic: `gpio/my-core-thing/${segment}/read`,
      error: 'Invalid GPIO number',
      long_description: `${JSON.stringify(segment)} is not a GPIO number: write the number without leading zeros, as in gpio/my-core-thing/${canonical}/read, where its state is published.`,
    });
  });

  it('property: a pin segment is accepted exactly when it is String(pin), so the answer topic is the request topic', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/), fc.string({ maxLength: 6 })), (segment) => {
        const pin = parsePin(segment);
        if (pin !== undefined) expect(String(pin)).toBe(segment);
        // Rejected: no pin below 10,000 is written this way.
        else expect(Number.isInteger(Number(segment)) && Number(segment) >= 0 && Number(segment) < 10_000 && String(Number(segment)) === segment).toBe(false);
      }),
      { numRuns: 2000 },
    );
    for (let pin = 0; pin < 10_000; pin++) expect(parsePin(String(pin))).toBe(pin);
  });

  it.each([
    ['read', ''],
    ['simulate', '1'],
    ['write', '1'],
  ])('ignores a retained %s, counted by kind, unless acceptRetainedRequests is set', (kind, payload) => {
    const retained = req(`gpio/my-core-thing/5/${kind}`, payload, true);
    const d = run(retained);
    expect(E.isLeft(d) && d.left._tag === 'Ignored' && d.left.retained).toBe(kind);
    const accepting = decide({ ...table, acceptRetainedRequests: true })(retained);
    expect(E.isLeft(accepting) && accepting.left._tag === 'Ignored').toBe(false);
  });

  it('ignores a retained read of an unconfigured pin instead of answering it with an error', () => {
    const d = run(req('gpio/my-core-thing/4/read', '', true));
    expect(E.isLeft(d) && d.left._tag).toBe('Ignored');
  });

  it('refuses queued writes and simulates when asked to, and always answers queued reads', () => {
    const refusing = decide({ ...table, refuseQueuedWrites: true });
    const queued = (topic: string, payload: string): Request => ({ ...req(topic, payload), queued: true });
    for (const topic of ['gpio/my-core-thing/8/write', 'gpio/my-core-thing/5/simulate']) {
      const d = refusing(queued(topic, '1'));
      expect(E.isLeft(d) && d.left._tag === 'Rejected' && d.left.error).toMatchObject({ topic, error: 'Queued write refused' });
      expect(E.isRight(run(queued(topic, '1')))).toBe(true); // applied by default
    }
    expect(refusing(queued('gpio/my-core-thing/8/read', ''))).toEqual(E.right({ _tag: 'Read', topic: 'gpio/my-core-thing/8/read', pin: 8 }));
    expect(E.isRight(refusing(req('gpio/my-core-thing/8/write', '1')))).toBe(true); // a live write
  });

  it('ignores a retained write unless configured to accept it', () => {
    const retained = req('gpio/my-core-thing/8/write', '1', true);
    const d = run(retained);
    expect(E.isLeft(d) && d.left._tag).toBe('Ignored');
    const accepting = decide({ ...table, acceptRetainedWrites: true });
    expect(accepting(retained)).toEqual(E.right({ _tag: 'Write', topic: retained.topic, pin: 8, level: 1 }));
  });

  it('simulates inputs only, and only on the simulated chip', () => {
    expect(run(req('gpio/my-core-thing/5/simulate', '1'))).toEqual(
      E.right({ _tag: 'Simulate', topic: 'gpio/my-core-thing/5/simulate', pin: 5, level: 1 }),
    );
    const onOutput = run(req('gpio/my-core-thing/8/simulate', '1'));
    expect(E.isLeft(onOutput) && onOutput.left._tag === 'Rejected' && onOutput.left.error.error).toBe('Invalid GPIO operation');
    const real = decide({ ...table, simulate: false })(req('gpio/my-core-thing/5/simulate', '1'));
    expect(E.isLeft(real) && real.left._tag === 'Rejected' && real.left.error.long_description).toMatch(/gpio.driver: sim/);
  });

  it('ignores topics of another thing or of another shape', () => {
    for (const topic of ['gpio/other/8/write', 'gpio/my-core-thing/8/write/x', 'gpio/my-core-thing/8/state', 'x/my-core-thing/8/read']) {
      const d = run(req(topic, '1'));
      expect(E.isLeft(d) && d.left._tag).toBe('Ignored');
    }
  });
});

const thing = 'my-core-thing';
const segment = fc.oneof(
  fc.constantFrom('5', '22', '8', '27', '4', '0', '05', 'abc', ''),
  fc.nat({ max: 40 }).map(String),
  fc.string({ maxLength: 4 }).filter((s) => !s.includes('/')),
);
const request = fc.record({
  topic: fc.tuple(segment, fc.constantFrom('read', 'write', 'simulate', 'state')).map(([p, k]) => `gpio/${thing}/${p}/${k}`),
  payload: fc.oneof(fc.constantFrom('0', '1', '"0"', '"1"', ' 1 ', '2', ''), fc.string({ maxLength: 8 })),
  retained: fc.boolean(),
});

describe('decide: properties', () => {
  it('never writes an input pin', () => {
    fc.assert(
      fc.property(request, fc.boolean(), (r, accept) => {
        const d = decide({ ...table, acceptRetainedWrites: accept })(r);
        const writesInput = E.isRight(d) && d.right._tag === 'Write' && table.directions.get(d.right.pin) !== 'output';
        expect(writesInput).toBe(false);
      }),
    );
  });

  it('answers every request exactly once, with the topic it came on', () => {
    fc.assert(
      fc.property(request, (r) => {
        const d = run(r);
        const topic = E.isRight(d) ? d.right.topic : d.left._tag === 'Rejected' ? d.left.error.topic : d.left.topic;
        expect(topic).toBe(r.topic);
      }),
    );
  });

  it('writes only the levels 0 and 1 it was given', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 27), fc.constantFrom(0, 1), fc.constantFrom('', ' ', '\n'), fc.boolean(), (pin, level, ws, quoted) => {
        const payload = `${ws}${quoted ? `"${level}"` : level}${ws}`;
        expect(run(req(`gpio/${thing}/${pin}/write`, payload))).toEqual(
          E.right({ _tag: 'Write', topic: `gpio/${thing}/${pin}/write`, pin, level }),
        );
      }),
    );
  });
});
