import type { Config, PinSpec } from '../../src/core/model';

export const input = (pin: number, bias: 'as-is' | 'pull-up' | 'pull-down' = 'as-is', activeLow = false): PinSpec => ({
  pin,
  direction: 'input',
  bias,
  activeLow,
});
export const output = (pin: number, initial: 'keep' | 0 | 1 = 'keep', activeLow = false): PinSpec => ({
  pin,
  direction: 'output',
  initial,
  activeLow,
});

/** The seed's example pins: InputGpios "5,6U,7D", OutputGpios "8H,9,27L". */
export const SEED_PINS: ReadonlyArray<PinSpec> = [input(5), input(6, 'pull-up'), input(7, 'pull-down'), output(8, 1), output(9), output(27, 0)];

/** Everything at its default, for a thing named `thingName` with the given pins. */
export const defaultConfig = (thingName: string, pins: ReadonlyArray<PinSpec>, ignored: ReadonlyArray<string> = []): Config => ({
  thingName,
  pins,
  pollPeriodMs: 50,
  mqtt: {
    broker: { kind: 'embedded', host: '127.0.0.1', port: 1883, users: [], allowAnonymous: false },
    clientId: `rpi-gpio-connector-${thingName}`,
    qos: 1,
    retainState: false,
    acceptRetainedWrites: false,
    acceptRetainedRequests: false,
    persistentSession: false,
    queuedWrites: 'apply',
  },
  gpio: { driver: 'auto', chip: 'auto', lines: 28 },
  ignored,
});
