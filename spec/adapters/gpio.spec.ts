import * as E from 'fp-ts/Either';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import { loadAddon } from '../../src/adapters/gpio/libgpiod/addon';
import { openLibgpiodDriver } from '../../src/adapters/gpio/libgpiod/driver';
import { gpioChipsPresent } from '../../src/adapters/gpio/select';
import type { PinSpec } from '../../src/core/model';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
  { pin: 6, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 7, direction: 'input', bias: 'pull-down', activeLow: false },
  { pin: 12, direction: 'input', bias: 'pull-up', activeLow: true },
  { pin: 8, direction: 'output', initial: 1, activeLow: false },
  { pin: 9, direction: 'output', initial: 'keep', activeLow: false },
  { pin: 27, direction: 'output', initial: 0, activeLow: false },
];

const open = (levels?: Map<number, 0 | 1>) => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins, levels));

describe('the simulated chip', () => {
  it('starts inputs by their bias and outputs by their initial level', () => {
    const d = open();
    expect(d.inputs).toEqual([5, 6, 7, 12]);
    expect(d.readInputs()).toEqual(E.right([0, 1, 0, 0])); // 12: pulled up, active-low
    expect([8, 9, 27].map((p) => E.toUnion(d.read(p)))).toEqual([1, 0, 0]);
  });

  it('keeps the level an output line already has when it has no initial level', () => {
    const d = open(new Map([[9, 1], [27, 1]]));
    expect(E.toUnion(d.read(9))).toBe(1); // kept
    expect(E.toUnion(d.read(27))).toBe(0); // L wins over the line's level
  });

  it('writes outputs only, and simulates inputs only', () => {
    const d = open();
    expect(d.write(8, 0)).toEqual(E.right(0));
    expect(E.isLeft(d.write(5, 1))).toBe(true);
    expect(d.simulate(5, 1)).toEqual(E.right(1));
    expect(d.simulate(12, 1)).toEqual(E.right(0)); // the line is high; active-low reads 0
    expect(E.isLeft(d.simulate(8, 1))).toBe(true);
    expect(d.readInputs()).toEqual(E.right([1, 1, 0, 0]));
  });

  it('answers with an error value, never a throw, once closed', () => {
    const d = open();
    d.close();
    expect(E.isLeft(d.readInputs())).toBe(true);
    expect(d.read(8)).toEqual(E.left({ pin: 8, message: 'the simulated chip is closed' }));
  });
});

describe('the libgpiod driver on a machine without a GPIO chip', () => {
  const chips = gpioChipsPresent();
  it('loads node-libgpiod (built against libgpiod-dev)', () => {
    const addon = loadAddon();
    if (E.isLeft(addon)) throw new Error(addon.left);
    expect(typeof addon.right.Chip).toBe('function');
  });

  it('fails with a clear error naming the chip when there is none', () => {
    if (chips) {
      // This machine has a GPIO chip, so the no-chip error cannot be provoked here: say so, and fail loudly.
      throw new Error('a /dev/gpiochip* exists here: this test needs a machine without one (the hardware suite covers chips)');
    }
    expect(openLibgpiodDriver(pins, 'auto')).toEqual(E.left(expect.stringMatching(/^no GPIO chip found: there is no \/dev\/gpiochip\* device .*pinctrl-bcm2711/)));
    expect(openLibgpiodDriver(pins, 'gpiochip4')).toEqual(
      E.left('GPIO chip gpiochip4 not found: there is no /dev/gpiochip* device on this machine'),
    );
  });
});
