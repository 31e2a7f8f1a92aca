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

  it('takes one pin written as a YAML number (InputGpios: 5) as that pin with no suffix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1024 }).chain((lines) => fc.tuple(fc.constant(lines), fc.integer({ min: 0, max: lines - 1 }), fc.boolean())), ([lines, pin, isInput]) => {
        const r = decodeConfig({ [isInput ? 'InputGpios' : 'OutputGpios']: pin, gpio: { lines } }, env);
        const expected: PinSpec = isInput ? { pin, direction: 'input', bias: 'as-is', activeLow: false } : { pin, direction: 'output', initial: 'keep', activeLow: false };
        expect(r).toEqual(E.right(expect.objectContaining({ pins: [expected] })));
      }),
    );
  });

  it('refuses any number that is not a whole GPIO number in range, in one line at its key', () => {
    const notAPin = fc.oneof(fc.double().filter((n) => !Number.isInteger(n) || n < 0 || n >= 28), fc.integer({ min: -1000, max: -1 }), fc.integer({ min: 28 }));
    fc.assert(
      fc.property(notAPin, fc.constantFrom('InputGpios', 'OutputGpios'), (n, key) => {
        const r = decodeConfig({ [key]: n }, env);
        expect(E.isLeft(r) && r.left.length === 1 && r.left[0]?.startsWith(`${key}: `)).toBe(true);
      }),
    );
  });

  it('accepts a pin string exactly when, white space around each item aside, it matches the connector\'s pattern', () => {
    // The README's documented rule, written out here from the seed's patterns, not taken from the code.
    const strict = { InputGpios: /^$|^[0-9]+[UD]?(,[0-9]+[UD]?)*$/, OutputGpios: /^$|^[0-9]+[HL]?(,[0-9]+[HL]?)*$/ } as const;
    const blank = fc.constantFrom('', ' ', '  ', '\t');
    const padded = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 27 }), fc.constantFrom('', 'U', 'D'), blank, blank), { minLength: 1, maxLength: 10, selector: ([pin]) => pin });
    fc.assert(
      fc.property(padded, (items) => {
        const loose = items.map(([pin, suffix, before, after]) => `${before}${pin}${suffix}${after}`).join(',');
        const tight = items.map(([pin, suffix]) => `${pin}${suffix}`).join(',');
        expect(decodeConfig({ InputGpios: loose }, env)).toEqual(decodeConfig({ InputGpios: tight }, env));
        expect(E.isRight(decodeConfig({ InputGpios: loose }, env))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(pinishString, fc.constantFrom('InputGpios', 'OutputGpios') as fc.Arbitrary<keyof typeof strict>, (text, key) => {
        const r = decodeConfig({ [key]: text, gpio: { lines: 1024 } }, env);
        const shapeProblem = E.isLeft(r) && r.left.some((line) => line.startsWith(`${key}: expected`));
        const squeezed = text.split(',').map((item) => item.trim()).join(',');
        expect(shapeProblem).toBe(!strict[key].test(squeezed));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on junk pin lists and poll periods, and a Right holds only valid, distinct pins', () => {
    const junkList = fc.oneof(pinishString, fc.string(), fc.integer(), fc.double());
    fc.assert(
      fc.property(junkList, junkList, fc.oneof(pinishString, fc.anything()), (i, o, period) => {
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
