import * as E from 'fp-ts/Either';
import type { PinSpec } from '../../src/core/model';
import { cleanupAll, Order, track } from '../support/cleanup';
import { DriverHost } from '../support/driver-host';
import { GpiodStandin, type StandinChipSpec } from '../support/gpiod-standin';

// The libgpiod driver through the real node-libgpiod addon, over the stand-in
// libgpiod.so.2 (spec/support/gpiod-standin): what it asks of the kernel, and
// what users read when the kernel says no.
jest.setTimeout(30_000);
afterEach(cleanupAll);

const PI4: StandinChipSpec = { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 };
const input = (pin: number, bias: 'as-is' | 'pull-up' | 'pull-down' = 'as-is', activeLow = false): PinSpec => ({ pin, direction: 'input', bias, activeLow });
const output = (pin: number, initial: 'keep' | 0 | 1 = 'keep', activeLow = false): PinSpec => ({ pin, direction: 'output', initial, activeLow });

const setUp = async (chips: StandinChipSpec[]) => {
  await GpiodStandin.build();
  const standin = await GpiodStandin.create(chips);
  track(standin, Order.Broker, () => standin.dispose());
  const host = DriverHost.start(standin.env());
  const open = (pins: PinSpec[], chip = 'auto') =>
    host.call<E.Either<string, { inputs: number[]; description: string; why: string }>>('open', { kind: 'libgpiod', pins, chip });
  return { standin, host, open };
};

const noFlags = { activeLow: false, biasPullUp: false, biasPullDown: false, biasDisable: false, openDrain: false, openSource: false };

describe('libgpiod driver: the lines it requests', () => {
  it('requests every form of pin config with the right direction, flags, initial level and consumer', async () => {
    const { standin, open } = await setUp([PI4]);
    standin.setLevel('gpiochip0', 9, 1); // output 9 has no initial level: it must keep this one
    const opened = await open([
      input(5),
      input(6, 'pull-up'),
      input(7, 'pull-down'),
      input(12, 'pull-up', true),
      output(8, 1),
      output(9),
      output(27, 0),
      output(22, 1, true),
    ]);
    expect(E.isRight(opened)).toBe(true);
    const line = (offset: number) => standin.line('gpiochip0', offset);
    const common = { requested: true, consumer: 'rpi-gpio-connector' };
    expect(line(5)).toMatchObject({ ...common, direction: 'input', flags: noFlags });
    expect(line(6)).toMatchObject({ ...common, direction: 'input', flags: { ...noFlags, biasPullUp: true } });
    expect(line(7)).toMatchObject({ ...common, direction: 'input', flags: { ...noFlags, biasPullDown: true } });
    expect(line(12)).toMatchObject({ ...common, direction: 'input', flags: { ...noFlags, biasPullUp: true, activeLow: true } });
    expect(line(8)).toMatchObject({ ...common, direction: 'output', flags: noFlags, defaultValue: 1, level: 1 });
    expect(line(9)).toMatchObject({ ...common, direction: 'output', flags: noFlags, defaultValue: 1, level: 1 });
    expect(line(27)).toMatchObject({ ...common, direction: 'output', flags: noFlags, defaultValue: 0, level: 0 });
    // Active-low: logical 1 is the low physical level.
    expect(line(22)).toMatchObject({ ...common, direction: 'output', flags: { ...noFlags, activeLow: true }, defaultValue: 1, level: 0 });
    // Nothing else on the chip was touched.
    expect(standin.lines('gpiochip0').filter((l) => l.requested).map((l) => l.offset).sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 12, 22, 27]);
  });

  it('keeps an output without an initial level glitch-free: never an input, never driven to another level', async () => {
    const { standin, open } = await setUp([PI4]);
    standin.setLevel('gpiochip0', 9, 1);
    expect(E.isRight(await open([output(9)]))).toBe(true);
    const events = standin.events().filter((e) => / offset=9\b/.test(e));
    expect(events.some((e) => /type=input/.test(e))).toBe(false);
    expect(events.some((e) => /^set .*value=0/.test(e))).toBe(false);
    expect(events.filter((e) => e.startsWith('request'))).toEqual([
      expect.stringMatching(/type=as-is/),
      expect.stringMatching(/type=output .*default=1/),
    ]);
    expect(standin.line('gpiochip0', 9).level).toBe(1);
  });

  it('reads all inputs with one bulk read per flag group, not one call per line', async () => {
    const { standin, host, open } = await setUp([PI4]);
    const pins = [input(5), input(6), input(13), input(19), input(26), input(16, 'pull-up'), input(20, 'pull-up')];
    expect(E.isRight(await open(pins))).toBe(true);
    const before = standin.bulkReads();
    for (let i = 0; i < 10; i++) await host.call('readInputs');
    const after = standin.bulkReads();
    // Two flag groups (no bias; pull-up): two bulk calls per tick, seven lines read.
    expect(after.calls - before.calls).toBe(20);
    expect(after.lines - before.lines).toBe(70);
  });

  it('reads each input through its own request, whatever the order of the groups', async () => {
    const { standin, host, open } = await setUp([PI4]);
    expect(E.isRight(await open([input(5, 'pull-up'), input(6), input(7, 'pull-up'), input(8)]))).toBe(true);
    standin.setLevel('gpiochip0', 5, 0);
    standin.setLevel('gpiochip0', 6, 1);
    standin.setLevel('gpiochip0', 7, 1);
    standin.setLevel('gpiochip0', 8, 0);
    expect(await host.call('readInputs')).toEqual(E.right([0, 1, 1, 0]));
    for (const [pin, level] of [[5, 0], [6, 1], [7, 1], [8, 0]]) expect(await host.call('read', { pin })).toEqual(E.right(level));
  });

  it('keeps its lines through garbage collection (node-libgpiod releases the lines of a collected chip)', async () => {
    const { standin, host, open } = await setUp([PI4]);
    expect(E.isRight(await open([input(5), input(6, 'pull-up'), output(8, 1), output(9)]))).toBe(true);
    await host.call('gc');
    for (const offset of [5, 6, 8, 9]) expect(standin.line('gpiochip0', offset)).toMatchObject({ offset, requested: true });
    standin.setLevel('gpiochip0', 6, 1);
    expect(await host.call('readInputs')).toEqual(E.right([0, 1]));
    expect(await host.call('write', { pin: 9, level: 1 })).toEqual(E.right(1));
  });

  it('releases every line on close', async () => {
    const { standin, host, open } = await setUp([PI4]);
    expect(E.isRight(await open([input(5), input(6, 'pull-up'), output(8, 1), output(9, 0)]))).toBe(true);
    await host.call('close');
    for (const offset of [5, 6, 8, 9]) expect(standin.line('gpiochip0', offset)).toMatchObject({ requested: false, releases: 1 });
  });
});

describe('libgpiod driver: choosing the chip', () => {
  // A Pi 5 on a 2026 kernel: the header chip is not gpiochip0 and not gpiochip4.
  const PI5: StandinChipSpec[] = [
    { name: 'gpiochip0', label: 'gpio-brcmstb@107d508500', lines: 32 },
    { name: 'gpiochip1', label: 'gpio-brcmstb@107d517c00', lines: 15 },
    { name: 'gpiochip11', label: 'pinctrl-rp1', lines: 54 },
    { name: 'gpiochip12', label: 'raspberrypi-exp-gpio', lines: 8 },
  ];

  it('finds the header chip by its label, and says why', async () => {
    const { standin, open } = await setUp(PI5);
    const opened = await open([output(17, 0)]);
    expect(opened).toEqual(
      E.right(expect.objectContaining({ description: 'gpiochip11 (pinctrl-rp1)', why: expect.stringContaining('the 40-pin header chip, found by its label') })),
    );
    expect(standin.line('gpiochip11', 17).requested).toBe(true);
    expect(standin.line('gpiochip0', 17).requested).toBe(false);
  });

  it.each([['gpiochip12'], ['12'], ['raspberrypi-exp-gpio'], ['/dev/gpiochip12']])('opens the chip named by gpio.chip: %s', async (chip) => {
    const { standin, open } = await setUp(PI5);
    expect(await open([output(3, 1)], chip)).toEqual(E.right(expect.objectContaining({ description: 'gpiochip12 (raspberrypi-exp-gpio)' })));
    expect(standin.line('gpiochip12', 3)).toMatchObject({ requested: true, level: 1 });
  });

  it('takes the only chip when none has a header label', async () => {
    const { open } = await setUp([{ name: 'gpiochip0', label: 'some-soc-gpio', lines: 32 }]);
    expect(await open([input(4)])).toEqual(E.right(expect.objectContaining({ why: expect.stringContaining('the only GPIO chip') })));
  });
});

describe('libgpiod driver: start-up errors users see', () => {
  const fails = async (chips: StandinChipSpec[], pins: PinSpec[], chip = 'auto', prepare?: (s: GpiodStandin) => void) => {
    const { standin, open } = await setUp(chips);
    prepare?.(standin);
    const opened = await open(pins, chip);
    if (E.isRight(opened)) throw new Error('expected the driver to fail to open');
    // A failed start leaves nothing of ours requested.
    for (const c of chips) {
      expect(standin.lines(c.name).filter((l) => l.requested && l.consumer === 'rpi-gpio-connector')).toEqual([]);
    }
    return opened.left;
  };

  it('no chip at all', async () => {
    expect(await fails([], [input(5)])).toMatch(/^no GPIO chip found: there is no \/dev\/gpiochip\* device/);
  });

  it('the named chip missing: lists the chips present', async () => {
    expect(await fails([PI4, { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 }], [input(5)], 'gpiochip4')).toBe(
      'GPIO chip gpiochip4 not found; chips present: gpiochip0 (pinctrl-bcm2711), gpiochip1 (raspberrypi-exp-gpio)',
    );
  });

  it('several chips and none of them the header chip', async () => {
    expect(await fails([{ name: 'gpiochip0', label: 'a', lines: 8 }, { name: 'gpiochip1', label: 'b', lines: 8 }], [input(5)])).toBe(
      'no 40-pin header chip among gpiochip0 (a), gpiochip1 (b): set gpio.chip to one of them',
    );
  });

  it('permission denied: says how to get access', async () => {
    const message = await fails([{ ...PI4, access: 'denied' }], [input(5)]);
    expect(message).toMatch(/^permission denied opening .*gpiochip/);
    expect(message).toContain('gpio group');
    expect(message).toContain('udev rule');
  });

  it('line busy: names the consumer that holds it', async () => {
    const message = await fails([PI4], [input(5), output(17, 0)], 'auto', (s) => s.hold('gpiochip0', 17, 'pigpiod'));
    expect(message).toBe(
      'GPIO 17 on gpiochip0 is busy: it is held by "pigpiod" (gpioinfo gpiochip0 shows who holds each line); stop that program or choose another pin',
    );
  });

  it('line busy in an input group: names the pin and its holder', async () => {
    const message = await fails([PI4], [input(5), input(6), input(13)], 'auto', (s) => s.hold('gpiochip0', 6, 'other-app'));
    expect(message).toMatch(/^GPIO 6 on gpiochip0 is busy: it is held by "other-app"/);
  });

  it('offset out of range: gives the chip\'s line count', async () => {
    expect(await fails([{ name: 'gpiochip0', label: 'pinctrl-bcm2835', lines: 54 }], [input(5), output(60, 0)])).toBe(
      'GPIO 60 is out of range on gpiochip0: the chip has 54 lines (0-53)',
    );
  });

  it('bias not supported by the kernel: needs Linux 5.5', async () => {
    const message = await fails([{ ...PI4, bias: false }], [input(5, 'pull-up')]);
    expect(message).toMatch(/^GPIO 5 on gpiochip0: the kernel refused the pull-up\/pull-down bias/);
    expect(message).toContain('Linux 5.5');
  });

  it('a line without bias opens on a kernel without bias support', async () => {
    const { open } = await setUp([{ ...PI4, bias: false }]);
    expect(E.isRight(await open([input(5), output(8, 1)]))).toBe(true);
  });
});
