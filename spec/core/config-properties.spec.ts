import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import type { PinSpec } from '../../src/core/model';

const env = { AWS_IOT_THING_NAME: 't1' };

const INPUT_SUFFIX = { '': 'as-is', U: 'pull-up', D: 'pull-down' } as const;
const OUTPUT_SUFFIX = { '': 'keep', H: 1, L: 0 } as const;

/** A pin of a random direction and suffix; pins are drawn unique, so the sets are disjoint. */
const pinArb = (lines: number) =>
  fc.record({
    pin: fc.integer({ min: 0, max: lines - 1 }),
    input: fc.boolean(),
    inSuffix: fc.constantFrom<keyof typeof INPUT_SUFFIX>('', 'U', 'D'),
    outSuffix: fc.constantFrom<keyof typeof OUTPUT_SUFFIX>('', 'H', 'L'),
  });

const configArb = fc.integer({ min: 1, max: 1024 }).chain((lines) =>
  fc.record({
    lines: fc.constant(lines),
    pins: fc.uniqueArray(pinArb(lines), { minLength: 1, maxLength: 40, selector: (p) => p.pin }),
    // Spaces around commas are the one leniency.
    separator: fc.constantFrom(',', ', ', ' ,', ' , '),
  }),
);

/** A string of the characters pin lists are made of, so near-misses come up often. */
const pinishString = fc.string({ unit: fc.constantFrom(...'0123456789UDHLx ,-'.split('')), maxLength: 20 });

/** A Left is a non-empty list of `<path>: <message>`, each on one line. */
const wellFormed = (r: E.Either<ReadonlyArray<string>, unknown>): boolean =>
  E.isRight(r) || (r.left.length > 0 && r.left.every((line) => !line.includes('\n') && /^\S.*?: \S/.test(line)));

describe('decodeConfig: properties', () => {
  it('decodes any valid InputGpios/OutputGpios pair of disjoint pins to exactly those pins', () => {
    fc.assert(
      fc.property(configArb, ({ lines, pins, separator }) => {
        const inputs = pins.filter((p) => p.input);
        const outputs = pins.filter((p) => !p.input);
        const r = decodeConfig(
          {
            InputGpios: inputs.map((p) => `${p.pin}${p.inSuffix}`).join(separator),
            OutputGpios: outputs.map((p) => `${p.pin}${p.outSuffix}`).join(separator),
            gpio: { lines },
          },
          env,
        );
        const expected: ReadonlyArray<PinSpec> = [
          ...inputs.map((p): PinSpec => ({ pin: p.pin, direction: 'input', bias: INPUT_SUFFIX[p.inSuffix], activeLow: false })),
          ...outputs.map((p): PinSpec => ({ pin: p.pin, direction: 'output', initial: OUTPUT_SUFFIX[p.outSuffix], activeLow: false })),
        ];
        expect(r).toEqual(E.right(expect.objectContaining({ pins: expected })));
      }),
    );
  });

  it('never throws on junk pin lists and poll periods, and a Right holds only valid, distinct pins', () => {
    fc.assert(
      fc.property(fc.oneof(pinishString, fc.string()), fc.oneof(pinishString, fc.string()), fc.oneof(pinishString, fc.anything()), (i, o, period) => {
        const r = decodeConfig({ InputGpios: i, OutputGpios: o, InputPollPeriod: period }, env);
        expect(wellFormed(r)).toBe(true);
        if (E.isRight(r)) {
          const numbers = r.right.pins.map((p) => p.pin);
          expect(new Set(numbers).size).toBe(numbers.length);
          expect(numbers.every((n) => Number.isInteger(n) && n >= 0 && n < 28)).toBe(true);
          expect(Number.isInteger(r.right.pollPeriodMs) && r.right.pollPeriodMs >= 1).toBe(true);
        }
      }),
    );
  });

  it('never throws on any value at all, at the top or under any known key', () => {
    const keys = ['thingName', 'InputGpios', 'OutputGpios', 'InputPollPeriod', 'GpioMem-ResourceId', 'pins', 'mqtt', 'gpio'];
    const anything = fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true });
    fc.assert(
      fc.property(fc.oneof(anything, fc.dictionary(fc.constantFrom(...keys), anything)), fc.option(fc.string(), { nil: undefined }), (raw, thing) => {
        expect(wellFormed(decodeConfig(raw, { AWS_IOT_THING_NAME: thing }))).toBe(true);
      }),
    );
  });

  it('never throws on junk inside the sections', () => {
    const anything = fc.anything({ withNullPrototype: true, withBigInt: true });
    const section = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('url', 'host', 'port', 'qos', 'driver', 'chip', 'lines', 'pin', 'direction', 'bias', 'initial')), anything);
    fc.assert(
      fc.property(section, section, fc.array(section, { maxLength: 4 }), (mqtt, gpio, pins) => {
        expect(wellFormed(decodeConfig({ InputGpios: '5', mqtt, gpio, pins }, env))).toBe(true);
      }),
    );
  });
});
