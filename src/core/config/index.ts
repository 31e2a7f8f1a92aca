import * as E from 'fp-ts/Either';
import { inputsOf, outputsOf, type Config, type GpioConfig, type PinSpec } from '../model';
import { DEFAULT_POLL_PERIOD_MS } from './codecs';
import { decodeProps } from './decode-props';
import { checkMqtt, checkProtocolVersion, embeddedListener, mqttConfig } from './mqtt';
import { checkMetrics, Metrics, metricsConfig } from './metrics';
import { decodeInterlocks } from './interlocks';
import { checkPins, NO_PINS } from './pin-checks';
import { decodePinEntries, type Located } from './pin-entries';
import { isRecord, own, problem, show, type Problems } from './problems';
import { homeAssistantConfig } from './home-assistant';
import { Gpio, HomeAssistant, Mqtt, TopLevel } from './shape';
import { resolveThingName, type ConfigEnv } from './thing-name';
import type { Either } from '../either';

export type { Problems } from './problems';
export type { ConfigEnv } from './thing-name';

const DEFAULT_GPIO: GpioConfig = { driver: 'auto', chip: 'auto', lines: 28 };

/** The key is there with a value (YAML `key:` alone gives null, which counts as absent). */
const given = (raw: unknown, key: string): boolean => {
  const value = isRecord(raw) ? own(raw, key) : undefined;
  return value !== undefined && value !== null;
};

/**
 * Decodes a parsed config file (the Greengrass connector parameters plus
 * `pins`, `mqtt` and `gpio`) into the internal `Config`.
 *
 * Left is every problem found, one `<path>: <message>` line each: shape
 * problems, unknown keys and cross-field problems together, so a user fixes
 * the file in one pass. `env` supplies `AWS_IOT_THING_NAME` when the config
 * has no `thingName`.
 */
export const decodeConfig = (raw: unknown, env: ConfigEnv): Either<Problems, Config> => {
  // Anything but a mapping would turn every key into a "missing": one line says it better.
  if (raw !== undefined && raw !== null && !isRecord(raw)) {
    return E.left([problem('', `expected a mapping (keys like InputGpios: "5,6U"), got ${show(raw)}`)]);
  }
  const record: Readonly<Record<string, unknown>> = isRecord(raw) ? raw : {};
  const top = decodeProps(TopLevel, record, '');
  const entries = decodePinEntries(own(record, 'pins'));
  const mqtt = decodeProps(Mqtt, own(record, 'mqtt'), 'mqtt');
  const gpioRaw = own(record, 'gpio');
  const gpio = decodeProps(Gpio, gpioRaw, 'gpio');
  const ha = decodeProps(HomeAssistant, own(record, 'homeAssistant'), 'homeAssistant');
  const metrics = decodeProps(Metrics, own(record, 'metrics'), 'metrics', given(record, 'metrics') ? ['port'] : []);
  const thingName = resolveThingName(top.value.thingName, given(record, 'thingName'), env);

  const fromString = (key: 'InputGpios' | 'OutputGpios', specs: ReadonlyArray<PinSpec> = []): ReadonlyArray<Located> =>
    specs.map((spec) => ({ path: key, label: key, spec }));
  const located = [...fromString('InputGpios', top.value.InputGpios), ...fromString('OutputGpios', top.value.OutputGpios), ...entries.pins];
  // A wrong gpio.lines leaves the range unknown: no range check rather than one against the default.
  const lines = gpio.value.lines ?? (given(gpioRaw, 'lines') ? undefined : DEFAULT_GPIO.lines);
  // "No pins" would be noise next to a pin list that failed to decode.
  const pinFieldFailed =
    (['InputGpios', 'OutputGpios'] as const).some((key) => given(record, key) && top.value[key] === undefined) || entries.problems.length > 0;

  const interlocks = decodeInterlocks(own(record, 'interlocks'), top.value.interlockDelay, located);

  const problems = [
    ...top.problems,
    ...(E.isLeft(thingName) ? thingName.left : []),
    ...entries.problems,
    ...checkPins(located, lines, gpio.value.chip ?? DEFAULT_GPIO.chip),
    ...(located.length === 0 && !pinFieldFailed ? [NO_PINS] : []),
    ...interlocks.problems,
    ...mqtt.problems,
    ...checkMqtt(mqtt.value),
    ...checkProtocolVersion(mqtt.value),
    ...gpio.problems,
    ...ha.problems,
    ...metrics.problems,
    ...checkMetrics(metrics.value, embeddedListener(mqtt.value)),
  ];
  if (problems.length > 0 || E.isLeft(thingName)) return E.left(problems);

  const pins = located.map((l) => l.spec);
  const homeAssistant = homeAssistantConfig(ha.value);
  const metricsOn = metricsConfig(metrics.value);
  return E.right({
    thingName: thingName.right,
    pins: [...inputsOf(pins), ...outputsOf(pins)],
    pollPeriodMs: top.value.InputPollPeriod ?? DEFAULT_POLL_PERIOD_MS,
    mqtt: mqttConfig(mqtt.value, thingName.right, homeAssistant !== undefined),
    gpio: {
      driver: gpio.value.driver ?? DEFAULT_GPIO.driver,
      chip: gpio.value.chip ?? DEFAULT_GPIO.chip,
      lines: gpio.value.lines ?? DEFAULT_GPIO.lines,
    },
    ...(homeAssistant === undefined ? {} : { homeAssistant }),
    ...(metricsOn === undefined ? {} : { metrics: metricsOn }),
    ...(interlocks.value === undefined ? {} : { interlocks: interlocks.value }),
    // Accepted so Greengrass parameters paste in; the caller says it is ignored.
    ignored: given(record, 'GpioMem-ResourceId') ? ['GpioMem-ResourceId'] : [],
  });
};
