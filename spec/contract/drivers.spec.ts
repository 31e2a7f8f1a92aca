import * as os from 'node:os';
import * as E from 'fp-ts/Either';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { Subscription } from 'rxjs';
import type { DriverError, KernelEdge, SimulatedGpio } from '../../src/adapters/gpio/driver';
import { notAnOutput, notRequested } from '../../src/adapters/gpio/errors';
import type { EdgeMode, Level, PinSpec } from '../../src/core/model';
import { cleanupAll, Order, track } from '../support/cleanup';
import { DriverHost } from '../support/driver-host';
import { GpiodStandin } from '../support/gpiod-standin';
import { gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';

// One set of behaviours, two implementations: the simulated chip in process,
// and the libgpiod driver in a child process, through the real node-libgpiod
// addon over the stand-in libgpiod.so.2.
// On the kernel's gpio-sim in the hardware suite's VM (TCG emulation), one test
// takes 9-25 s (a chip made through configfs, a driver host started): the
// limit there leaves room for a busy host; a hung test still fails.
jest.setTimeout(process.env.GPIO_HARDWARE_SUITE === undefined ? 30_000 : 120_000);
// A driver host's first answer (node started, the lines requested): over 30 s under emulation on a busy host.
const OPEN_MS = process.env.GPIO_HARDWARE_SUITE === undefined ? 30_000 : 90_000;
afterEach(cleanupAll);

type Either<A> = E.Either<DriverError, A>;

/** What a test sees of edges(): each edge (timestamp as a decimal string), then an error or the completion, if any. */
type EdgeItem = (Omit<KernelEdge, 'timestampNs'> & { timestampNs: string }) | { error: string } | { complete: true };

interface Harness {
  /** Opens the driver; `lines` are the physical levels the lines have before it starts. */
  open(pins: PinSpec[], lines?: Record<number, Level>): Promise<E.Either<string, { inputs: number[]; edgeInputs: number[] }>>;
  /** Subscribes to edges(), keeping what it emits until taken. */
  subscribeEdges(): Promise<void>;
  /** What edges() emitted since the last take. */
  takeEdges(): Promise<EdgeItem[]>;
  unsubscribeEdges(): Promise<void>;
  readInputs(): Promise<Either<Level[]>>;
  read(pin: number): Promise<Either<Level>>;
  write(pin: number, level: Level): Promise<Either<Level>>;
  close(): Promise<void>;
  /** Sets an input line's physical level from outside, as a button would. */
  drive(pin: number, level: Level): Promise<void>;
  /** A line's physical level, as a meter on the pin would read it. */
  lineLevel(pin: number): Promise<Level | undefined>;
}

/**
 * Where a test's pin is: as it says (one chip), or, for a driver over two
 * chips, every odd pin moved to an expander's line (pin + 3) % 16, so the
 * whole contract also holds with pins on two chips (inputs, bulk reads,
 * edges in order across chips) while the tests keep their pin numbers.
 */
type Place = (p: PinSpec) => PinSpec;
const oneChip: Place = (p) => p;
const EXPANDER_LINES = 16;
const expanderLine = (pin: number): number => (pin + 3) % EXPANDER_LINES;
const onExpander = (pin: number): boolean => pin % 2 === 1;
const twoChips =
  (expander: string): Place =>
  (p) =>
    onExpander(p.pin) ? { ...p, chip: expander, line: expanderLine(p.pin) } : p;

const simHarness = (place: Place = oneChip): Harness => {
  let driver: SimulatedGpio | undefined;
  let sub: Subscription | undefined;
  let edges: EdgeItem[] = [];
  const d = () => {
    if (driver === undefined) throw new Error('not open');
    return driver;
  };
  return {
    open: async (pins, lines = {}) => {
      const opened = openSimDriver(pins.map(place), new Map(Object.entries(lines).map(([p, l]) => [Number(p), l])));
      if (E.isRight(opened)) driver = opened.right;
      return E.map((x: SimulatedGpio) => ({ inputs: [...x.inputs], edgeInputs: [...x.edgeInputs] }))(opened);
    },
    subscribeEdges: async () => {
      edges = [];
      sub = d().edges().subscribe({
        next: (e) => edges.push({ ...e, timestampNs: String(e.timestampNs) }),
        error: (e: Error) => edges.push({ error: e.message }),
        complete: () => edges.push({ complete: true }),
      });
    },
    takeEdges: async () => edges.splice(0),
    unsubscribeEdges: async () => sub?.unsubscribe(),
    readInputs: async () => E.map((l: ReadonlyArray<Level>) => [...l])(d().readInputs()),
    read: async (pin) => d().read(pin),
    write: async (pin, level) => d().write(pin, level),
    close: async () => d().close(),
    drive: async (pin, level) => void d().simulate(pin, level),
    lineLevel: async (pin) => d().lineLevel(pin),
  };
};

/** A chip the libgpiod driver meets in its own process: the stand-in, or the kernel's gpio-sim. */
interface HostedChip {
  readonly env: Record<string, string>;
  /** What gpio.chip names. */
  readonly chip: string;
  /** Where each pin is (a second chip's pins name it). */
  readonly place?: Place;
  drive(pin: number, level: Level): void;
  level(pin: number): Level;
}

/** The libgpiod driver in a child process (see spec/support/driver-host.ts), over `makeChip`'s chip. */
const hostedHarness = (makeChip: () => Promise<HostedChip>, kind: 'libgpiod' | 'cdev' = 'libgpiod'): Harness => {
  let chip: HostedChip | undefined;
  let host: DriverHost | undefined;
  const h = () => {
    if (host === undefined) throw new Error('not open');
    return host;
  };
  return {
    open: async (pins, lines = {}) => {
      const c = await makeChip();
      chip = c;
      for (const [pin, level] of Object.entries(lines)) c.drive(Number(pin), level);
      host = DriverHost.start(c.env);
      // The first call waits for the child's Node to start: 6-10 s under the hardware suite's emulated CPU.
      return h().call('open', { kind, pins: pins.map(c.place ?? oneChip), chip: c.chip }, OPEN_MS);
    },
    subscribeEdges: async () => void (await h().call('subscribeEdges')),
    takeEdges: async () => E.getOrElseW(() => [] as EdgeItem[])(await h().call<E.Either<unknown, EdgeItem[]>>('takeEdges')),
    unsubscribeEdges: async () => void (await h().call('unsubscribeEdges')),
    readInputs: () => h().call('readInputs'),
    read: (pin) => h().call('read', { pin }),
    write: (pin, level) => h().call('write', { pin, level }),
    close: async () => void (await h().call('close')),
    drive: async (pin, level) => chip?.drive(pin, level),
    lineLevel: async (pin) => chip?.level(pin),
  };
};

const standinChip = async (): Promise<HostedChip> => {
  await GpiodStandin.build();
  const s = await GpiodStandin.create([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }]);
  track(s, Order.Broker, () => s.dispose());
  return {
    env: s.env(),
    chip: 'auto',
    drive: (pin, level) => s.setLevel('gpiochip0', pin, level),
    level: (pin) => s.line('gpiochip0', pin).level,
  };
};

/** The stand-in with two chips: the header's, and a 16-line expander's (labelled mcp23017) with every odd pin. */
const standinTwoChips = async (): Promise<HostedChip> => {
  await GpiodStandin.build();
  const s = await GpiodStandin.create([
    { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
    { name: 'gpiochip1', label: 'mcp23017', lines: EXPANDER_LINES },
  ]);
  track(s, Order.Broker, () => s.dispose());
  const at = (pin: number): [string, number] => (onExpander(pin) ? ['gpiochip1', expanderLine(pin)] : ['gpiochip0', pin]);
  return {
    env: s.env(),
    chip: 'auto',
    place: twoChips('mcp23017'),
    drive: (pin, level) => s.setLevel(...at(pin), level),
    level: (pin) => s.line(...at(pin)).level,
  };
};

/** The kernel's gpio-sim: only under `npm run test:hardware` (GPIO_HARDWARE_SUITE=gpio-sim). */
const kernelChip = async (): Promise<HostedChip> => {
  const why = gpioSimUnavailable();
  if (why !== undefined) throw new Error(`the kernel gpio-sim suite cannot run here: ${why}`);
  const s = KernelGpioSim.create('rpi-gpio-contract', 58);
  track(s, Order.Broker, async () => s.dispose());
  return { env: {}, chip: s.label, drive: (pin, level) => s.drive(pin, level), level: (pin) => s.level(pin) };
};

/** Two gpio-sim chips: a 58-line one, and a 16-line expander with every odd pin. */
const kernelTwoChips = async (): Promise<HostedChip> => {
  const why = gpioSimUnavailable();
  if (why !== undefined) throw new Error(`the kernel gpio-sim suite cannot run here: ${why}`);
  const header = KernelGpioSim.create('rpi-gpio-contract', 58);
  track(header, Order.Broker, async () => header.dispose());
  const expander = KernelGpioSim.create('rpi-gpio-contract-x', EXPANDER_LINES);
  track(expander, Order.Broker, async () => expander.dispose());
  const at = (pin: number): [KernelGpioSim, number] => (onExpander(pin) ? [expander, expanderLine(pin)] : [header, pin]);
  return {
    env: {},
    chip: header.label,
    place: twoChips(expander.label),
    drive: (pin, level) => {
      const [chip, line] = at(pin);
      chip.drive(line, level);
    },
    level: (pin) => {
      const [chip, line] = at(pin);
      return chip.level(line);
    },
  };
};

const WHAT = { libgpiod: 'libgpiod (node-libgpiod)', cdev: 'cdev (our uAPI v2 addon)' } as const;

// `npm test` runs the contract on the simulated chip and the stand-in; `npm run
// test:hardware` (GPIO_HARDWARE_SUITE=gpio-sim) runs it on the real kernel.
const harnesses: Array<[string, () => Harness]> =
  process.env.GPIO_HARDWARE_SUITE === 'gpio-sim'
    ? hardwareDrivers().flatMap((kind): Array<[string, () => Harness]> => [
        [`${WHAT[kind]} on the kernel gpio-sim (Linux ${os.release()}, a 58-line chip labelled rpi-gpio-contract)`, () => hostedHarness(kernelChip, kind)],
        [
          `${WHAT[kind]} on two kernel gpio-sim chips (a 58-line one, and a 16-line one labelled rpi-gpio-contract-x with every odd pin)`,
          () => hostedHarness(kernelTwoChips, kind),
        ],
      ])
    : [
        ['sim', () => simHarness()],
        ['sim, every odd pin on a second simulated chip', () => simHarness(twoChips('mcp23017'))],
        ['libgpiod (node-libgpiod over the stand-in libgpiod.so.2)', () => hostedHarness(standinChip)],
        ['libgpiod over the stand-in, every odd pin on a second chip (a 16-line one labelled mcp23017)', () => hostedHarness(standinTwoChips)],
      ];

const input = (pin: number, bias: 'as-is' | 'pull-up' | 'pull-down' = 'as-is', activeLow = false): PinSpec => ({ pin, direction: 'input', bias, activeLow });
const output = (pin: number, initial: 'keep' | Level = 'keep', activeLow = false): PinSpec => ({ pin, direction: 'output', initial, activeLow });

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

describe.each(harnesses)('GPIO driver contract: %s', (_name, make) => {
  it('reads every input, whatever its bias, at the level its line has, in the order of `inputs`', async () => {
    const g = make();
    const { inputs } = right(await g.open([input(5), input(6, 'pull-up'), input(7, 'pull-down'), input(12), input(13, 'pull-up')]));
    expect(inputs).toEqual([5, 6, 7, 12, 13]);
    const levels: Record<number, Level> = { 5: 1, 6: 0, 7: 1, 12: 0, 13: 1 };
    for (const [pin, level] of Object.entries(levels)) await g.drive(Number(pin), level);
    expect(right(await g.readInputs())).toEqual([1, 0, 1, 0, 1]);
    for (const [pin, level] of Object.entries(levels)) expect({ pin, level: right(await g.read(Number(pin))) }).toEqual({ pin, level });
    await g.drive(6, 1);
    await g.drive(5, 0);
    expect(right(await g.readInputs())).toEqual([0, 1, 1, 0, 1]);
  });

  it('pulls an undriven input to its bias when it requests it, and leaves one without bias at its level', async () => {
    const g = make();
    // Lines 6, 7 and 13 were left high (by a pull or an earlier holder); 5 and 12 low.
    right(await g.open([input(5, 'pull-up'), input(6, 'pull-down'), input(7), input(12, 'pull-up', true), input(13)], { 6: 1, 7: 1, 13: 1 }));
    expect(right(await g.readInputs())).toEqual([1, 0, 1, 0, 1]);
    expect([await g.lineLevel(5), await g.lineLevel(6), await g.lineLevel(12)]).toEqual([1, 0, 1]);
  });

  it('reads an active-low input inverted', async () => {
    const g = make();
    right(await g.open([input(17, 'pull-up', true), input(18)]));
    await g.drive(17, 1);
    await g.drive(18, 1);
    expect(right(await g.readInputs())).toEqual([0, 1]);
    await g.drive(17, 0);
    expect(right(await g.read(17))).toBe(1);
  });

  it('starts outputs high or low as configured, and one without a level keeps the level its line has', async () => {
    const g = make();
    right(await g.open([output(8, 1), output(9), output(10), output(27, 0)], { 9: 1, 10: 0, 27: 1 }));
    expect([await g.lineLevel(8), await g.lineLevel(9), await g.lineLevel(10), await g.lineLevel(27)]).toEqual([1, 1, 0, 0]);
    expect([right(await g.read(8)), right(await g.read(9)), right(await g.read(10)), right(await g.read(27))]).toEqual([1, 1, 0, 0]);
  });

  it('writes an output, answers the level read back, and drives the line (inverted when active-low)', async () => {
    const g = make();
    right(await g.open([output(8, 0), output(22, 0, true)]));
    expect(await g.write(8, 1)).toEqual(E.right(1));
    expect(await g.lineLevel(8)).toBe(1);
    expect(await g.write(22, 1)).toEqual(E.right(1));
    expect(await g.lineLevel(22)).toBe(0);
    expect(await g.write(8, 0)).toEqual(E.right(0));
    expect(right(await g.read(8))).toBe(0);
    expect(await g.lineLevel(8)).toBe(0);
    // What pulls on a line from outside does not move an output its holder drives.
    await g.drive(8, 1);
    expect(await g.lineLevel(8)).toBe(0);
    expect(right(await g.read(8))).toBe(0);
  });

  it('refuses, as a value, to write an input or to touch a pin it did not request, in the same words whatever the driver', async () => {
    const g = make();
    right(await g.open([input(5), edgeInput(6, 'both'), output(8, 0)]));
    expect(await g.write(5, 1)).toEqual(E.left(notAnOutput(5)));
    expect(await g.write(6, 1)).toEqual(E.left(notAnOutput(6)));
    expect(await g.read(4)).toEqual(E.left(notRequested(4)));
    expect(await g.write(4, 1)).toEqual(E.left(notRequested(4)));
    expect(right(await g.read(8))).toBe(0);
  });

  it('answers every call with an error value once closed', async () => {
    const g = make();
    right(await g.open([input(5), output(8, 1)]));
    await g.close();
    expect(E.isLeft(await g.readInputs())).toBe(true);
    expect(E.isLeft(await g.read(8))).toBe(true);
    expect(E.isLeft(await g.write(8, 0))).toBe(true);
  });
});

const edgeInput = (pin: number, edge: EdgeMode, bias: 'as-is' | 'pull-up' | 'pull-down' = 'as-is', activeLow = false): PinSpec => ({
  pin, direction: 'input', bias, activeLow, edge,
});

/** How long collect waits for the edges it expects: 5 s, and 60 s under the hardware suite's emulated CPU on a shared host. */
const COLLECT_MS = process.env.GPIO_HARDWARE_SUITE === undefined ? 5_000 : 60_000;

/** Takes edges() output until `count` items came (COLLECT_MS at most), then a quiet 150 ms to catch any extra. */
const collect = async (g: Harness, count: number): Promise<EdgeItem[]> => {
  const got: EdgeItem[] = [];
  for (const deadline = Date.now() + COLLECT_MS; got.length < count && Date.now() < deadline; ) {
    got.push(...(await g.takeEdges()));
    if (got.length < count) await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 150));
  return [...got, ...(await g.takeEdges())];
};

const isEdge = (i: EdgeItem): i is Omit<KernelEdge, 'timestampNs'> & { timestampNs: string } => 'pin' in i;
const pinRising = (items: EdgeItem[]) => items.map((i) => (isEdge(i) ? [i.pin, i.rising] : i));

describe.each(harnesses)('GPIO driver edge contract: %s', (_name, make) => {
  it('watches edge inputs apart from the polled ones: every edge in order, both directions whatever the edge setting, logical when active-low, stamped on CLOCK_MONOTONIC', async () => {
    const g = make();
    const opened = right(await g.open([input(5), edgeInput(6, 'rising'), edgeInput(7, 'both', 'pull-down', true)]));
    expect(opened).toMatchObject({ inputs: [5], edgeInputs: [6, 7] });
    await g.subscribeEdges();
    const before = process.hrtime.bigint();
    for (let i = 0; i < 3; i++) {
      await g.drive(6, 1);
      await g.drive(7, 1);
      await g.drive(6, 0);
      await g.drive(7, 0);
    }
    const got = await collect(g, 12);
    const after = process.hrtime.bigint();
    // 7 is active-low: physically high is inactive, a falling edge.
    expect(pinRising(got)).toEqual(Array.from({ length: 3 }, () => [[6, true], [7, false], [6, false], [7, true]]).flat());
    const stamps = got.filter(isEdge).map((e) => BigInt(e.timestampNs));
    stamps.forEach((t, i) => {
      expect({ i, inside: t > before && t < after }).toEqual({ i, inside: true });
      if (i > 0) expect(t >= (stamps[i - 1] as bigint)).toBe(true);
    });
    // The polled input is still read by readInputs, the edge inputs are not in it.
    await g.drive(5, 1);
    expect(right(await g.readInputs())).toEqual([1]);
    await g.unsubscribeEdges();
  });

  it('drops what happened before anyone subscribed, and reads an edge input on request', async () => {
    const g = make();
    right(await g.open([edgeInput(6, 'both')]));
    await g.drive(6, 1);
    await g.drive(6, 0);
    await g.drive(6, 1);
    expect(right(await g.read(6))).toBe(1);
    await g.subscribeEdges();
    await g.drive(6, 0);
    expect(pinRising(await collect(g, 1))).toEqual([[6, false]]);
    expect(right(await g.read(6))).toBe(0);
    await g.unsubscribeEdges();
  });

  it('completes edges() at once when no input watches edges', async () => {
    const g = make();
    expect(right(await g.open([input(5), output(8, 0)]))).toMatchObject({ edgeInputs: [] });
    await g.subscribeEdges();
    expect(await collect(g, 1)).toEqual([{ complete: true }]);
  });

  it('stops watching on unsubscribe, and a new subscriber starts afresh', async () => {
    const g = make();
    right(await g.open([edgeInput(6, 'falling', 'pull-up')]));
    await g.subscribeEdges();
    await g.drive(6, 0);
    expect(pinRising(await collect(g, 1))).toEqual([[6, false]]);
    await g.unsubscribeEdges();
    await g.drive(6, 1);
    await g.drive(6, 0);
    expect(await collect(g, 0)).toEqual([]);
    await g.subscribeEdges();
    await g.drive(6, 1);
    expect(pinRising(await collect(g, 1))).toEqual([[6, true]]);
    await g.unsubscribeEdges();
    await g.close();
  });
});
