import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { closest } from '../../src/core/config/keys';
import { show } from '../../src/core/config/problems';
import { report } from '../../src/core/config/reporter';

const lines = <A>(codec: t.Decoder<unknown, A>, value: unknown, prefix = ''): ReadonlyArray<string> => {
  const r = codec.decode(value);
  if (E.isRight(r)) throw new Error('expected a failure');
  return report(r.left, prefix);
};

describe('report: io-ts errors as one line per problem', () => {
  const Port = t.number;
  const Shape = t.type({
    mqtt: t.type({ port: Port }, 'a mapping'),
    pins: t.array(t.intersection([t.type({ pin: t.number }), t.partial({ activeLow: t.boolean })])),
    chip: t.union([t.string, t.number], 'a chip name or number'),
  });

  it('builds dotted paths with list indexes, skipping intersection members', () => {
    expect(lines(Shape, { mqtt: { port: 'abc' }, pins: [{ pin: 1 }, { pin: 'x', activeLow: 1 }], chip: 'a' })).toEqual([
      'mqtt.port: expected number, got "abc"',
      'pins[1].pin: expected number, got "x"',
      'pins[1].activeLow: expected boolean, got 1',
    ]);
  });

  it('reports a failed union once, at the union, by its name', () => {
    expect(lines(Shape, { mqtt: { port: 1 }, pins: [], chip: true })).toEqual(['chip: expected a chip name or number, got true']);
  });

  it('says what is missing, and prefixes the path it is given', () => {
    expect(lines(Shape, { pins: [], chip: 0 }, 'section')).toEqual(['section.mqtt: missing, expected a mapping']);
  });

  it('names the top level when the root itself fails', () => {
    expect(lines(t.string, 5)).toEqual(['(top level): expected string, got 5']);
  });
});

describe('show: the received value', () => {
  it('is JSON, cut when long, and never throws', () => {
    expect(show('5')).toBe('"5"');
    expect(show(5)).toBe('5');
    expect(show(undefined)).toBe('nothing');
    expect(show(10n)).toBe('bigint');
    expect(show('x'.repeat(100))).toBe(`"${'x'.repeat(59)}...`);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(show(cycle)).toBe('object');
  });
});

describe('closest: the guess for an unknown key', () => {
  const known = ['InputGpios', 'OutputGpios', 'InputPollPeriod', 'port', 'pins'];
  it.each([
    ['InputGpio', 'InputGpios'],
    ['inputgpios', 'InputGpios'],
    ['prot', 'port'],
    ['pin', 'pins'],
    ['colour', undefined],
    ['x', undefined],
  ])('guesses %j as %j', (key, guess) => {
    expect(closest(key, known)).toBe(guess);
  });
});
