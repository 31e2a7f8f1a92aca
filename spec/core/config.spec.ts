import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import type { Config } from '../../src/core/model';
import { defaultConfig as expected, input, output, SEED_PINS } from './config-fixtures';

const env = { AWS_IOT_THING_NAME: 'gg-thing' };

const right = (raw: unknown, e: { readonly AWS_IOT_THING_NAME?: string } = env): Config => {
  const r = decodeConfig(raw, e);
  if (E.isLeft(r)) throw new Error(`expected a valid config, got:\n${r.left.join('\n')}`);
  return r.right;
};

const problems = (raw: unknown, e: { readonly AWS_IOT_THING_NAME?: string } = env): ReadonlyArray<string> => {
  const r = decodeConfig(raw, e);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('decodeConfig: the Greengrass connector parameters', () => {
  it('decodes the seed CLI example parameters pasted as-is', () => {
    const parameters = {
      'GpioMem-ResourceId': 'my-gpio-resource',
      InputGpios: '5,6U,7D',
      InputPollPeriod: 50,
      OutputGpios: '8H,9,27L',
    };
    expect(right(parameters)).toEqual(expected('gg-thing', SEED_PINS, ['GpioMem-ResourceId']));
  });

  it('decodes InputGpios "5,6U,7D" to no bias, pull-up, pull-down', () => {
    expect(right({ InputGpios: '5,6U,7D' })).toEqual(expected('gg-thing', SEED_PINS.slice(0, 3)));
  });

  it('decodes OutputGpios "8H,9,27L" to high, keep, low', () => {
    expect(right({ OutputGpios: '8H,9,27L' })).toEqual(expected('gg-thing', SEED_PINS.slice(3)));
  });

  it.each([50, '50'])('takes InputPollPeriod %p as a number or a string', (period) => {
    expect(right({ InputGpios: '5', InputPollPeriod: period }).pollPeriodMs).toBe(50);
  });

  it('takes InputPollPeriod "" (allowed by the seed pattern) as the default', () => {
    expect(right({ InputGpios: '5', InputPollPeriod: '' }).pollPeriodMs).toBe(50);
    expect(right({ InputGpios: '5', InputPollPeriod: 1 }).pollPeriodMs).toBe(1);
  });

  it('takes an empty InputGpios as no inputs', () => {
    expect(right({ InputGpios: '', OutputGpios: '9' }).pins).toEqual([output(9)]);
  });

  it('strips spaces around commas, and nothing else', () => {
    expect(right({ InputGpios: ' 5, 6U ,7D ', OutputGpios: '8H ,9' }).pins).toEqual(SEED_PINS.slice(0, 5));
    expect(problems({ InputGpios: '5 6' })).toEqual([
      'InputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D", got "5 6"',
    ]);
  });

  it('takes one pin written as a YAML number (InputGpios: 5), as the string "5" is taken', () => {
    expect(right({ InputGpios: 5, OutputGpios: 8 }).pins).toEqual([input(5), output(8)]);
    expect(right({ InputGpios: 0 }).pins).toEqual([input(0)]);
    expect(right({ InputGpios: 5 })).toEqual(right({ InputGpios: '5' }));
  });

  it.each([
    [5.5, '', '5.5'],
    [NaN, '', '.nan'],
    [Infinity, 'too large: ', '.inf'],
    [-Infinity, 'too small: ', '-.inf'],
    [1e20, 'too large: ', '100000000000000000000'],
  ])('refuses %p, which is no GPIO number, naming what it takes', (n, scale, shown) => {
    expect(problems({ InputGpios: n })).toEqual([
      `InputGpios: ${scale}expected a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D", got ${shown}`,
    ]);
    expect(problems({ OutputGpios: n })).toEqual([
      `OutputGpios: ${scale}expected a GPIO number, or a comma-separated list of GPIO numbers with optional H or L, like "8H,9,27L", got ${shown}`,
    ]);
  });

  it('checks a pin given as a number like any other: the chip\'s range, and each pin once', () => {
    expect(problems({ InputGpios: 28 })).toEqual(['InputGpios: pin 28 is out of range 0-27']);
    expect(problems({ OutputGpios: -1 })).toEqual(['OutputGpios: pin -1 is out of range 0-27']);
    expect(problems({ InputGpios: 9, OutputGpios: 9 })).toEqual(['OutputGpios: pin 9 is also an input']);
    expect(right({ OutputGpios: 40, gpio: { lines: 54 } }).pins).toEqual([output(40)]);
  });

  it('lists inputs first, then outputs, each in configured order', () => {
    const pins = right({
      OutputGpios: '9',
      InputGpios: '7,5',
      pins: [
        { pin: 22, direction: 'output' },
        { pin: 17, direction: 'input' },
      ],
    }).pins;
    // The per-pin form's input follows edges by default; the strings' inputs are polled, as in Greengrass.
    expect(pins).toEqual([input(7), input(5), { ...input(17), edge: 'both' }, output(9), output(22)]);
  });
});

describe('decodeConfig: defaults and the thing name', () => {
  it('falls back to AWS_IOT_THING_NAME and fills in every default', () => {
    expect(right({ InputGpios: '5' })).toEqual(expected('gg-thing', [input(5)]));
  });

  it('prefers thingName from the config over the environment', () => {
    expect(right({ thingName: 'my-pi', InputGpios: '5' }).thingName).toBe('my-pi');
    expect(right({ thingName: 'my-pi', InputGpios: '5' }, {}).mqtt.clientId).toBe('rpi-gpio-connector-my-pi');
  });

  it('reports a missing thing name', () => {
    expect(problems({ InputGpios: '5' }, {})).toEqual([
      'thingName: missing: set thingName in the config or the AWS_IOT_THING_NAME environment variable',
    ]);
    // An empty variable is what a shell leaves behind: it counts as unset.
    expect(problems({ InputGpios: '5' }, { AWS_IOT_THING_NAME: '' })).toEqual([
      'thingName: missing: set thingName in the config or the AWS_IOT_THING_NAME environment variable',
    ]);
  });

  it.each(['a/b', 'a+', '#', ''])('rejects thingName %j, which is not one topic level', (name) => {
    expect(problems({ thingName: name, InputGpios: '5' })).toEqual([
      `thingName: must be a single MQTT topic level (not empty, no "/", "+" or "#"), got ${JSON.stringify(name)}`,
    ]);
  });

  it('checks a thing name from the environment the same way, and says where it came from', () => {
    expect(problems({ InputGpios: '5' }, { AWS_IOT_THING_NAME: 'a/b' })).toEqual([
      'thingName: must be a single MQTT topic level (not empty, no "/", "+" or "#"), got "a/b" (from AWS_IOT_THING_NAME)',
    ]);
  });

  it('does not fall back to the environment when thingName has the wrong type', () => {
    expect(problems({ thingName: 42, InputGpios: '5' })).toEqual(['thingName: expected string, got 42']);
  });

  it('reads every mqtt and gpio setting', () => {
    const config = right({
      InputGpios: '5',
      mqtt: {
        url: 'mqtts://iot.example.com:8883',
        clientId: 'c1',
        username: 'u',
        password: 'p',
        ca: 'ca.pem',
        cert: 'cert.pem',
        key: 'key.pem',
        qos: 0,
        retainState: true,
        acceptRetainedWrites: true,
        acceptRetainedRequests: true,
      },
      gpio: { driver: 'libgpiod', chip: 0, lines: 54 },
    });
    expect(config.mqtt).toEqual({
      broker: { kind: 'url', url: 'mqtts://iot.example.com:8883' },
      clientId: 'c1',
      username: 'u',
      password: 'p',
      ca: 'ca.pem',
      cert: 'cert.pem',
      key: 'key.pem',
      qos: 0,
      retainState: true,
      acceptRetainedWrites: true,
      acceptRetainedRequests: true,
      persistentSession: false,
      queuedWrites: 'apply',
    });
    expect(config.gpio).toEqual({ driver: 'libgpiod', chip: '0', lines: 54 });
  });

  it('takes the embedded broker host and port, the port also as a string', () => {
    expect(right({ InputGpios: '5', mqtt: { url: 'embedded', host: '127.0.0.2', port: '1884' } }).mqtt.broker).toEqual({
      kind: 'embedded',
      host: '127.0.0.2',
      port: 1884,
      users: [],
      allowAnonymous: false,
    });
  });

  it('takes a key left empty in YAML (null) as not set', () => {
    expect(right({ InputGpios: '5', mqtt: null, gpio: null, pins: null })).toEqual(expected('gg-thing', [input(5)]));
  });

  it('decodes the explicit pins form to the same PinSpec as the strings, with edges for inputs', () => {
    const config = right({
      pins: [
        { pin: 17, direction: 'input', bias: 'pull-up', activeLow: true },
        { pin: 22, direction: 'output', initial: 'high' },
        { pin: 23, direction: 'output', initial: 'low' },
        { pin: 24, direction: 'input' },
      ],
    });
    expect(config.pins).toEqual([{ ...input(17, 'pull-up', true), edge: 'both' }, { ...input(24), edge: 'both' }, output(22, 1), output(23, 0)]);
  });
});
