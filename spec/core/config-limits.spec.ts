import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { decodeConfig } from '../../src/core/config';
import { MAX_THING_NAME_BYTES } from '../../src/core/config/thing-name';

// Issue 11, item 2: limits on what a config may hold, each a clear line.

const problems = (raw: unknown, env = {}): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const accepts = (raw: unknown): boolean => E.isRight(decodeConfig(raw, {}));

describe('decodeConfig: limits', () => {
  it('takes a thing name of 128 bytes and refuses 129, counting UTF-8 bytes', () => {
    expect(accepts({ thingName: 'a'.repeat(MAX_THING_NAME_BYTES), InputGpios: '5' })).toBe(true);
    expect(problems({ thingName: 'a'.repeat(129), InputGpios: '5' })).toEqual(['thingName: too long: 129 bytes, at most 128 (UTF-8)']);
    // 43 three-byte characters are 129 bytes though only 43 characters.
    expect(problems({ thingName: '€'.repeat(43), InputGpios: '5' })).toEqual(['thingName: too long: 129 bytes, at most 128 (UTF-8)']);
    expect(problems({ thingName: 'a'.repeat(65_519), InputGpios: '5' })).toEqual(['thingName: too long: 65519 bytes, at most 128 (UTF-8)']);
  });

  it.each([
    ['a\tb', 'U+0009'],
    ['a\u0000b', 'U+0000'],
    ['a\u007fb', 'U+007F'],
    ['a\u0085b', 'U+0085'],
    ['a\uffffb', 'U+FFFF'],
    ['a\ufdd0b', 'U+FDD0'],
    ['a\u{1fffe}b', 'U+1FFFE'],
    ['a\ud800b', 'U+D800'],
  ])('refuses a thing name holding %j, naming %s', (name, code) => {
    expect(problems({ thingName: name, InputGpios: '5' })).toEqual([
      `thingName: must not contain ${code} (control characters and non-characters are refused by MQTT brokers), got ${JSON.stringify(name)}`,
    ]);
  });

  it('takes any other Unicode in a thing name, astral characters included', () => {
    expect(accepts({ thingName: 'pi-€-ü-😀', InputGpios: '5' })).toBe(true);
  });

  it('checks mqtt.clientId and mqtt.username the same way', () => {
    expect(problems({ thingName: 't', InputGpios: '5', mqtt: { clientId: 'a\tb', username: 'x'.repeat(257) } })).toEqual([
      'mqtt.clientId: must not contain U+0009 (control characters and non-characters are refused by MQTT brokers), got "a\\tb"',
      'mqtt.username: too long: 257 bytes, at most 256 (UTF-8)',
    ]);
  });

  it('says "too large" for numbers beyond any setting, infinity included, never "null"', () => {
    expect(problems({ thingName: 't', InputGpios: '5', InputPollPeriod: Infinity })).toEqual([
      'InputPollPeriod: too large: expected at most 2147483647 (milliseconds, the longest Node.js timer), got .inf',
    ]);
    expect(problems({ thingName: 't', InputGpios: '5', mqtt: { port: Infinity } })).toEqual(['mqtt.port: too large: expected an integer 1-65535, got .inf']);
    expect(problems({ thingName: 't', pins: [{ pin: -Infinity, direction: 'input' }] })).toEqual(['pins[0].pin: too small: expected integer, got -.inf']);
    expect(problems({ thingName: 't', InputGpios: '5', InputPollPeriod: NaN })).toEqual([
      'InputPollPeriod: expected an integer >= 1 (milliseconds), got .nan',
    ]);
  });

  it('refuses pin lists of more than 1024 items in one line, without a regular expression over the whole string', () => {
    const long = Array.from({ length: 1025 }, (_, i) => String(i)).join(',');
    expect(problems({ thingName: 't', InputGpios: long })).toEqual(['InputGpios: too many pins: 1025, at most 1024']);
    const huge = '1,'.repeat(4 * 1024 * 1024) + '1';
    expect(problems({ thingName: 't', InputGpios: huge })).toEqual([`InputGpios: too long: ${huge.length} characters; at most 1024 pins`]);
    expect(problems({ thingName: 't', pins: Array.from({ length: 1025 }, (_, i) => ({ pin: i, direction: 'input' })) })).toEqual([
      'pins: too many entries: 1025, at most 1024',
    ]);
  });

  it('property: any thing name is accepted exactly when it is one topic level of at most 128 bytes without forbidden characters', () => {
    // eslint-disable-next-line no-control-regex -- the control characters are what the rule forbids
    const forbidden = /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff/+#]|[\ud800-\udfff]/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (name) => {
        const bytes = new TextEncoder().encode(name).length;
        const ok = name !== '' && bytes <= 128 && !forbidden.test(name) && ![...name].some((c) => ((c.codePointAt(0) ?? 0) & 0xfffe) === 0xfffe);
        const r = decodeConfig({ thingName: name, InputGpios: '5' }, {});
        expect(E.isRight(r)).toBe(ok);
        if (E.isLeft(r)) expect(r.left).toHaveLength(1);
      }),
    );
  });
});
