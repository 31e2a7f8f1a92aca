import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import type { Config } from '../../src/core/model';
import { lineOf } from '../../src/core/model';

// Lines from several chips (a GPIO expander beside the header): a pin names
// its chip and its line on it; the pin stays the topics' number. Every
// problem one line, at the path where the user wrote it.

const env = { AWS_IOT_THING_NAME: 't1' };

const decoded = (raw: unknown): Config => {
  const r = decodeConfig(raw, env);
  if (E.isLeft(r)) throw new Error(`expected a config, got ${r.left.join('\n')}`);
  return r.right;
};

const problems = (raw: unknown): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('decodeConfig: pins on several chips', () => {
  it('keeps a pin\'s chip and line only where written: a header pin is line <pin> of gpio.chip, as before', () => {
    const config = decoded({
      InputGpios: '5',
      OutputGpios: '8H',
      pins: [
        { pin: 17, direction: 'input' },
        { pin: 103, direction: 'input', chip: 'mcp23017', line: 3, bias: 'pull-up' },
        { pin: 108, direction: 'output', chip: 'mcp23017', line: 8, initial: 'low' },
        { pin: 3, direction: 'output', chip: 2 },
      ],
    });
    expect(config.pins).toEqual([
      { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
      { pin: 17, direction: 'input', bias: 'as-is', activeLow: false, edge: 'both' },
      { pin: 103, direction: 'input', bias: 'pull-up', activeLow: false, edge: 'both', chip: 'mcp23017', line: 3 },
      { pin: 8, direction: 'output', initial: 1, activeLow: false },
      { pin: 108, direction: 'output', initial: 0, activeLow: false, chip: 'mcp23017', line: 8 },
      // A chip number is a string, as gpio.chip's; no line: the pin's own number on that chip.
      { pin: 3, direction: 'output', initial: 'keep', activeLow: false, chip: '2' },
    ]);
    expect(config.pins.map(lineOf)).toEqual([5, 17, 3, 8, 8, 3]);
    expect(config.gpio).toEqual({ driver: 'auto', chip: 'auto', lines: 28 });
  });

  it('lets pins on another chip carry numbers beyond the header\'s lines (the topics\' numbers), up to 9999', () => {
    const config = decoded({ pins: [{ pin: 9999, direction: 'input', chip: 'pcf8574', line: 7 }, { pin: 40, direction: 'output', chip: 'pcf8574' }] });
    expect(config.pins.map((p) => [p.pin, p.chip, lineOf(p)])).toEqual([[9999, 'pcf8574', 7], [40, 'pcf8574', 40]]);
  });

  it('keeps pins unique across chips: a topic number names one pin', () => {
    expect(problems({ InputGpios: '5', pins: [{ pin: 5, direction: 'input', chip: 'mcp23017', line: 0 }] })).toEqual(['pins[0].pin: pin 5 is also in InputGpios']);
    expect(
      problems({ pins: [{ pin: 100, direction: 'input', chip: 'mcp23017', line: 0 }, { pin: 100, direction: 'output', chip: 'pcf8574', line: 0 }] }),
    ).toEqual(['pins[1].pin: pin 100 is also in pins[0]']);
  });

  it('refuses a line of one chip taken by two pins, at the later one\'s line', () => {
    expect(
      problems({
        pins: [
          { pin: 100, direction: 'input', chip: 'mcp23017', line: 4 },
          { pin: 101, direction: 'output', chip: 'mcp23017', line: 4 },
          // Line 4 of another chip is another line.
          { pin: 102, direction: 'output', chip: 'pcf8574', line: 4 },
        ],
      }),
    ).toEqual(['pins[1].line: line 4 of chip mcp23017 is also in pins[0]']);
    // On the default chip: a pin's number is its line unless it says otherwise.
    expect(problems({ InputGpios: '5', pins: [{ pin: 105, direction: 'output', line: 5 }] })).toEqual(['pins[0].line: line 5 of the default chip is also pin 5 in InputGpios']);
    // Naming gpio.chip is naming the default chip.
    expect(problems({ gpio: { chip: 'gpiochip0' }, pins: [{ pin: 6, direction: 'input' }, { pin: 106, direction: 'input', chip: 'gpiochip0', line: 6 }] })).toEqual([
      'pins[1].line: line 6 of the default chip is also in pins[0]',
    ]);
  });

  it('checks a default-chip line against gpio.lines, and a pin number on another chip against 0-9999', () => {
    expect(problems({ pins: [{ pin: 100, direction: 'input', line: 28 }] })).toEqual(['pins[0].line: line 28 is out of range 0-27 (gpio.lines)']);
    expect(problems({ pins: [{ pin: 10000, direction: 'input', chip: 'mcp23017', line: 0 }] })).toEqual(['pins[0].pin: pin 10000 is out of range 0-9999']);
    expect(problems({ pins: [{ pin: -1, direction: 'input', chip: 'mcp23017', line: 0 }] })).toEqual(['pins[0].pin: pin -1 is out of range 0-9999']);
    // A line on another chip is checked when that chip opens (its lines are known then), not against gpio.lines.
    expect(decoded({ pins: [{ pin: 100, direction: 'input', chip: 'mcp23017', line: 40 }] }).pins[0]).toMatchObject({ line: 40 });
  });

  it('says what a chip and a line must be', () => {
    expect(problems({ pins: [{ pin: 100, direction: 'input', chip: '', line: 1.5 }] })).toEqual([
      'pins[0].chip: expected "auto", a chip name or label (gpiochip0), or a chip number, got ""',
      'pins[0].line: expected integer, got 1.5',
    ]);
    expect(problems({ pins: [{ pin: 100, direction: 'input', chip: 'mcp23017', line: 1024 }] })).toEqual(['pins[0].line: expected an integer 0-1023, got 1024']);
  });
});
