import * as E from 'fp-ts/Either';
import { choosePinChips, type ChipHandle, type ChipSource } from '../../src/adapters/gpio/chip';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { PinSpec } from '../../src/core/model';

// Lines from several chips: which chip each pin is on, decided before any
// line is requested, over a listing of chips (what /dev and each chip's info
// say). The drivers' behaviour on two real chips: spec/contract (two-chip
// harnesses) and spec/kernel/chips.spec.ts.

const chips: ReadonlyArray<ChipHandle> = [
  { name: 'gpiochip0', label: 'pinctrl-bcm2711', numberOfLines: 58 },
  { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', numberOfLines: 8 },
  { name: 'gpiochip2', label: 'mcp23017', numberOfLines: 16 },
];

/** A listing that counts how often each chip is opened. */
const listing = (present = chips) => {
  const opened: string[] = [];
  const source: ChipSource<ChipHandle> = {
    getChipNames: () => present.map((c) => c.name),
    open: (name) => {
      opened.push(name);
      return present.find((c) => c.name === name) as ChipHandle;
    },
  };
  return { source, opened };
};

const input = (pin: number, more: Partial<PinSpec> = {}): PinSpec => ({ pin, direction: 'input', bias: 'as-is', activeLow: false, ...more }) as PinSpec;
const output = (pin: number, more: Partial<PinSpec> = {}): PinSpec => ({ pin, direction: 'output', initial: 0, activeLow: false, ...more }) as PinSpec;

const groups = (pins: PinSpec[], defaultChip = 'auto') => {
  const chosen = choosePinChips(listing().source, pins, defaultChip);
  if (E.isLeft(chosen)) throw new Error(chosen.left);
  return chosen.right.map((g) => ({ chip: g.description, pins: g.pins.map((p) => p.pin) }));
};

const problem = (pins: PinSpec[], defaultChip = 'auto', present = chips): string => {
  const chosen = choosePinChips(listing(present).source, pins, defaultChip);
  if (E.isRight(chosen)) throw new Error(`expected a problem, got ${JSON.stringify(chosen.right.map((g) => g.description))}`);
  return chosen.left;
};

describe('choosePinChips: the chip of every pin, before any line is requested', () => {
  it('groups pins by their chip, the default chip first, each pin with its line', () => {
    const pins = [input(103, { chip: 'mcp23017', line: 3 }), input(5), output(108, { chip: 'mcp23017', line: 8 }), output(2, { chip: 'gpiochip1' }), output(8)];
    expect(groups(pins)).toEqual([
      { chip: 'gpiochip0 (pinctrl-bcm2711)', pins: [5, 8] },
      { chip: 'gpiochip2 (mcp23017)', pins: [103, 108] },
      { chip: 'gpiochip1 (raspberrypi-exp-gpio)', pins: [2] },
    ]);
  });

  it('lists and opens each chip once, however many pins name it', () => {
    const { source, opened } = listing();
    const chosen = choosePinChips(source, [input(5), input(100, { chip: 'mcp23017', line: 0 }), input(101, { chip: '2', line: 1 }), input(102, { chip: 'gpiochip2', line: 2 })], 'auto');
    expect(E.isRight(chosen)).toBe(true);
    expect(opened).toEqual(['gpiochip0', 'gpiochip1', 'gpiochip2']);
  });

  it('takes two names of one chip (label, name, number, auto) as one chip: one group, one request', () => {
    expect(groups([input(5), input(6, { chip: 'pinctrl-bcm2711' }), input(7, { chip: '0' }), input(100, { chip: 'mcp23017', line: 0 }), input(101, { chip: 'gpiochip2', line: 1 })])).toEqual([
      { chip: 'gpiochip0 (pinctrl-bcm2711)', pins: [5, 6, 7] },
      { chip: 'gpiochip2 (mcp23017)', pins: [100, 101] },
    ]);
  });

  it('opens no default chip when every pin names another (auto needs no header chip then)', () => {
    const noHeader = chips.slice(1);
    const chosen = choosePinChips(listing(noHeader).source, [input(100, { chip: 'mcp23017', line: 0 })], 'auto');
    expect(E.map((g: ReadonlyArray<{ description: string }>) => g.map((c) => c.description))(chosen)).toEqual(E.right(['gpiochip2 (mcp23017)']));
  });

  it('names an unknown chip with its pins and every chip present, with their labels', () => {
    expect(problem([input(5), input(100, { chip: 'pcf8574', line: 0 }), output(101, { chip: 'pcf8574', line: 1 })])).toBe(
      'GPIO 100 (line 0), GPIO 101 (line 1) (chip: pcf8574): GPIO chip pcf8574 not found; chips present: gpiochip0 (pinctrl-bcm2711), gpiochip1 (raspberrypi-exp-gpio), gpiochip2 (mcp23017)',
    );
    // gpio.chip's own message stays as it was.
    expect(problem([input(5)], 'gpiochip9')).toBe('GPIO chip gpiochip9 not found; chips present: gpiochip0 (pinctrl-bcm2711), gpiochip1 (raspberrypi-exp-gpio), gpiochip2 (mcp23017)');
  });

  it('checks every line against its own chip\'s lines, every chip before any request', () => {
    expect(problem([input(57), input(58), input(100, { chip: 'mcp23017', line: 15 }), input(116, { chip: 'mcp23017', line: 16 }), input(20, { chip: 'mcp23017' })])).toBe(
      [
        'GPIO 58 is out of range on gpiochip0: the chip has 58 lines (0-57)',
        'GPIO 116 (line 16), GPIO 20 are out of range on gpiochip2 (mcp23017): the chip has 16 lines (0-15)',
      ].join('\n'),
    );
  });

  it('refuses one line given to two pins through two names of its chip', () => {
    expect(problem([input(100, { chip: 'mcp23017', line: 4 }), output(104, { chip: 'gpiochip2', line: 4 })])).toBe(
      'GPIO 100 and GPIO 104 are both line 4 of gpiochip2 (mcp23017): give each pin a line of its own',
    );
  });
});

describe('the simulated driver with pins on named chips', () => {
  it('takes any chip name as a simulated chip of its own, and says which', () => {
    const opened = openSimDriver([input(5), input(103, { chip: 'mcp23017', line: 3 }), output(108, { chip: 'mcp23017', line: 8 })], undefined, 'auto');
    if (E.isLeft(opened)) throw new Error(opened.left);
    const sim = opened.right;
    expect(sim.description).toBe('simulated chips: auto, mcp23017');
    expect(sim.simulate(103, 1)).toEqual(E.right(1));
    expect(sim.readInputs()).toEqual(E.right([0, 1]));
    expect(sim.write(108, 1)).toEqual(E.right(1));
    expect(sim.lineLevel(108)).toBe(1);
    expect(E.map((s: { description: string }) => s.description)(openSimDriver([input(5)]))).toEqual(E.right('simulated chip'));
  });
});
