import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';

// Each problem is one line, `<path>: <message>`, exactly as the user sees it.

const env = { AWS_IOT_THING_NAME: 't1' };

const problems = (raw: unknown): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

/** A valid config plus `extra`, so each case shows only its own problem. */
const withPins = (extra: Record<string, unknown>): Record<string, unknown> => ({ InputGpios: '5', ...extra });

describe('decodeConfig: problems, one line each', () => {
  it.each([
    [{ InputGpios: '5,x' }, 'InputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D", got "5,x"'],
    [{ InputGpios: '5H' }, 'InputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D", got "5H"'],
    [{ InputGpios: 5.5 }, 'InputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional U or D, like "5,6U,7D", got 5.5'],
    [{ OutputGpios: '8U' }, 'OutputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional H or L, like "8H,9,27L", got "8U"'],
    [{ OutputGpios: '8,,9' }, 'OutputGpios: expected a GPIO number, or a comma-separated list of GPIO numbers with optional H or L, like "8H,9,27L", got "8,,9"'],
  ])('rejects a pin string that does not match the Greengrass pattern: %j', (raw, message) => {
    expect(problems(raw)).toEqual([message]);
  });

  it.each([
    ['0', '"0"'],
    [0, '0'],
    [-5, '-5'],
    [1.5, '1.5'],
    ['50ms', '"50ms"'],
  ])('rejects InputPollPeriod %j', (period, shown) => {
    expect(problems(withPins({ InputPollPeriod: period }))).toEqual([`InputPollPeriod: expected an integer >= 1 (milliseconds), got ${shown}`]);
  });

  it('rejects an InputPollPeriod longer than a Node.js timer can wait', () => {
    expect(problems(withPins({ InputPollPeriod: 2147483648 }))).toEqual([
      'InputPollPeriod: too large: expected at most 2147483647 (milliseconds, the longest Node.js timer), got 2147483648',
    ]);
  });

  it('reports unknown keys at every level, with a guess when one is close', () => {
    expect(
      problems(
        withPins({
          InputGpio: '6',
          mqtt: { prot: 1884, colour: 'red' },
          gpio: { Driver: 'sim' },
          pins: [{ pin: 17, direction: 'input', pullup: true }],
        }),
      ),
    ).toEqual([
      'InputGpio: unknown key (did you mean InputGpios?)',
      'pins[0].pullup: unknown key',
      'mqtt.prot: unknown key (did you mean port?)',
      'mqtt.colour: unknown key',
      'gpio.Driver: unknown key (did you mean driver?)',
    ]);
  });

  it('reports pins out of the chip range, taken from gpio.lines', () => {
    expect(problems({ InputGpios: '5,40', OutputGpios: '28' })).toEqual([
      'InputGpios: pin 40 is out of range 0-27',
      'OutputGpios: pin 28 is out of range 0-27',
    ]);
    expect(problems({ InputGpios: '5,40', gpio: { lines: 32 } })).toEqual(['InputGpios: pin 40 is out of range 0-31']);
    expect(problems({ pins: [{ pin: -1, direction: 'input' }] })).toEqual(['pins[0].pin: pin -1 is out of range 0-27']);
  });

  it('reports a pin listed twice, once, however often it is repeated', () => {
    expect(problems({ InputGpios: '5,5U,5D' })).toEqual(['InputGpios: pin 5 is listed twice']);
    expect(problems({ OutputGpios: '9,9' })).toEqual(['OutputGpios: pin 9 is listed twice']);
  });

  it('reports a pin that is both an input and an output', () => {
    expect(problems({ InputGpios: '9', OutputGpios: '9' })).toEqual(['OutputGpios: pin 9 is also an input']);
  });

  it('reports an explicit pin given before, naming where', () => {
    expect(
      problems({
        InputGpios: '5',
        OutputGpios: '9',
        pins: [
          { pin: 5, direction: 'output' },
          { pin: 9, direction: 'output' },
          { pin: 17, direction: 'input' },
          { pin: 17, direction: 'output' },
        ],
      }),
    ).toEqual(['pins[0].pin: pin 5 is also in InputGpios', 'pins[1].pin: pin 9 is also in OutputGpios', 'pins[3].pin: pin 17 is also in pins[2]']);
  });

  it('requires at least one pin', () => {
    const none = 'InputGpios: no pins configured: set InputGpios, OutputGpios or pins';
    expect(problems({})).toEqual([none]);
    expect(problems({ InputGpios: '', OutputGpios: '', pins: [] })).toEqual([none]);
    // Not next to a pin list that failed: the list is the problem, not its absence.
    expect(problems({ InputGpios: 'x' })).not.toContain(none);
  });

  it('checks the explicit pins entries', () => {
    expect(
      problems({
        pins: [
          { pin: 17, direction: 'input', initial: 'high' },
          { pin: 22, direction: 'output', bias: 'pull-up' },
          { pin: 'a', direction: 'in', bias: 'up', initial: 1, activeLow: 'no' },
          { direction: 'input' },
          27,
        ],
      }),
    ).toEqual([
      'pins[0].initial: only for outputs',
      'pins[1].bias: only for inputs',
      'pins[2].pin: expected integer, got "a"',
      'pins[2].direction: expected one of input, output, got "in"',
      'pins[2].bias: expected one of as-is, pull-up, pull-down, got "up"',
      'pins[2].initial: expected one of keep, high, low, got 1',
      'pins[2].activeLow: expected boolean, got "no"',
      'pins[3].pin: missing, expected integer',
      'pins[4]: expected a mapping like {pin: 17, direction: input}, got 27',
    ]);
    expect(problems({ pins: { pin: 17 } })).toEqual(['pins: expected a list of mappings like {pin: 17, direction: input}, got {"pin":17}']);
  });

  it('checks the edge, debounce, count and events settings, by path', () => {
    expect(
      problems({
        pins: [
          { pin: 17, direction: 'input', edge: 'sideways', debounce: -1, count: 'falling', events: 'yes' },
          { pin: 18, direction: 'input', debounce: 60_001 },
          { pin: 19, direction: 'input', debounce: 2.5 },
          { pin: 22, direction: 'output', edge: 'both', debounce: 10, count: 'rising', events: true },
        ],
      }),
    ).toEqual([
      'pins[0].edge: expected one of none, rising, falling, both, got "sideways"',
      'pins[0].debounce: expected an integer 0-60000, got -1',
      'pins[0].count: expected one of rising, both, got "falling"',
      'pins[0].events: expected boolean, got "yes"',
      'pins[1].debounce: expected an integer 0-60000, got 60001',
      expect.stringMatching(/^pins\[2\]\.debounce: .*2\.5/),
      'pins[3].edge: only for inputs',
      'pins[3].debounce: only for inputs',
      'pins[3].count: only for inputs',
      'pins[3].events: only for inputs',
    ]);
  });

  it('reports mqtt type errors with the value received, JSON-encoded', () => {
    expect(problems(withPins({ mqtt: { port: 'abc', qos: 2, retainState: 'yes', clientId: 7 } }))).toEqual([
      'mqtt.port: expected integer, got "abc"',
      'mqtt.qos: expected 0 or 1, got 2',
      'mqtt.retainState: expected boolean, got "yes"',
      'mqtt.clientId: expected string, got 7',
    ]);
    expect(problems(withPins({ mqtt: { port: 70000 } }))).toEqual(['mqtt.port: expected an integer 1-65535, got 70000']);
    expect(problems(withPins({ mqtt: 'embedded' }))).toEqual(['mqtt: expected a mapping, got "embedded"']);
  });

  it('never echoes a password or the credentials in a URL', () => {
    expect(problems(withPins({ mqtt: { password: 12345, url: 'http://me:s3cret@host' } }))).toEqual([
      'mqtt.password: expected string, got a number',
      'mqtt.url: expected "embedded" or a URL starting mqtt://, mqtts://, ws:// or wss://, got "http://me:***@host"',
    ]);
  });

  it.each(['http://x', 'mqtt://', 'localhost:1883', 'Embedded'])('rejects mqtt.url %j', (url) => {
    expect(problems(withPins({ mqtt: { url } }))).toEqual([
      `mqtt.url: expected "embedded" or a URL starting mqtt://, mqtts://, ws:// or wss://, got ${JSON.stringify(url)}`,
    ]);
  });

  it('reports host and port given with a broker URL', () => {
    expect(problems(withPins({ mqtt: { url: 'mqtt://broker:1883', host: 'broker', port: 1883 } }))).toEqual([
      'mqtt.host: only used with url: embedded; put the host in the url',
      'mqtt.port: only used with url: embedded; put the port in the url',
    ]);
  });

  it('reports gpio type errors', () => {
    expect(problems(withPins({ gpio: { driver: 'gpiod', chip: -1, lines: 2000 } }))).toEqual([
      'gpio.driver: expected one of auto, sim, libgpiod, cdev, got "gpiod"',
      'gpio.chip: expected "auto", a chip name or label (gpiochip0), or a chip number, got -1',
      'gpio.lines: expected an integer 1-1024, got 2000',
    ]);
  });

  it('reports a top level that is not a mapping, and only that', () => {
    expect(problems(['InputGpios', '5'])).toEqual(['(top level): expected a mapping (keys like InputGpios: "5,6U"), got ["InputGpios","5"]']);
    expect(problems('InputGpios: 5')).toEqual(['(top level): expected a mapping (keys like InputGpios: "5,6U"), got "InputGpios: 5"']);
  });

  it('reports every problem of a config in one run', () => {
    expect(
      decodeConfig(
        {
          thingName: 'my/pi',
          InputGpio: '4',
          InputGpios: '5,6U,40',
          OutputGpios: '9,9,5H',
          InputPollPeriod: '0',
          pins: [{ pin: 9, direction: 'output', bias: 'pull-up' }],
          mqtt: { url: 'mqtt://broker', port: 'abc', prot: 1, qos: 2 },
          gpio: { driver: 'gpiod' },
        },
        {},
      ),
    ).toEqual(
      E.left([
        'InputGpio: unknown key (did you mean InputGpios?)',
        'InputPollPeriod: expected an integer >= 1 (milliseconds), got "0"',
        'thingName: must be a single MQTT topic level (not empty, no "/", "+" or "#"), got "my/pi"',
        'pins[0].bias: only for inputs',
        'InputGpios: pin 40 is out of range 0-27',
        'OutputGpios: pin 9 is listed twice',
        'OutputGpios: pin 5 is also an input',
        'pins[0].pin: pin 9 is also in OutputGpios',
        'mqtt.port: expected integer, got "abc"',
        'mqtt.prot: unknown key (did you mean port?)',
        'mqtt.qos: expected 0 or 1, got 2',
        'gpio.driver: expected one of auto, sim, libgpiod, cdev, got "gpiod"',
      ]),
    );
  });

  it('skips the range check when gpio.lines itself is wrong, rather than guess', () => {
    expect(problems({ InputGpios: '40', gpio: { lines: 'many' } })).toEqual(['gpio.lines: expected integer, got "many"']);
  });
});
