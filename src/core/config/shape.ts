import * as t from 'io-ts';
import { brokerUrl, chip, integer, integerIn, mqttText, oneOf, pollPeriod, qos, secret } from './codecs';
import { DEVICE_CLASSES, discoveryPrefix, entityName } from './home-assistant';
import { alpn, protocolVersion } from './mqtt-extra';
import { inputGpios, outputGpios } from './gpio-strings';
import { FAILSAFE_AFTER_MAX_MS } from '../failsafe';

/**
 * The shape of config.yaml, one io-ts codec per mapping. The keys listed here
 * are the known keys: anything else is reported as unknown.
 */

/** The top level: Greengrass connector parameters under their own names, then ours. */
export const TopLevel = t.partial(
  {
    InputGpios: inputGpios,
    OutputGpios: outputGpios,
    InputPollPeriod: pollPeriod,
    /** Greengrass needed a `/dev/gpiomem` resource; here it is accepted so a group's parameters paste in. */
    'GpioMem-ResourceId': t.string,
    thingName: t.string,
    // The sections below are decoded by their own codecs, item by item.
    pins: t.unknown,
    mqtt: t.unknown,
    gpio: t.unknown,
    homeAssistant: t.unknown,
    metrics: t.unknown,
    interlocks: t.unknown,
    interlockDelay: integerIn(0, 60_000),
  },
  'a mapping',
);

/** One entry of `pins:`, the explicit per-pin form. `pin` and `direction` are required. */
export const PinEntry = t.partial(
  {
    pin: integer,
    direction: oneOf(['input', 'output']),
    bias: oneOf(['as-is', 'pull-up', 'pull-down']),
    initial: oneOf(['keep', 'high', 'low']),
    activeLow: t.boolean,
    name: entityName,
    deviceClass: oneOf(DEVICE_CLASSES),
    edge: oneOf(['none', 'rising', 'falling', 'both']),
    debounce: integerIn(0, 60_000),
    count: oneOf(['rising', 'both']),
    events: t.boolean,
    failsafe: oneOf(['keep', 'low', 'high']),
    failsafeAfter: integerIn(0, FAILSAFE_AFTER_MAX_MS),
    /** The chip the line is on (a GPIO expander's label, say); absent: `gpio.chip`. */
    chip,
    /** The line's offset on its chip; absent: `pin`. `pin` stays the number in the topics. */
    line: integerIn(0, 1023),
    /** Decoded by config/pwm, key by key. */
    pwm: t.unknown,
  },
  'a mapping like {pin: 17, direction: input}',
);

export const Mqtt = t.partial(
  {
    url: brokerUrl,
    host: t.string,
    port: integerIn(1, 65535),
    clientId: mqttText(256),
    username: mqttText(256),
    password: secret,
    ca: t.string,
    cert: t.string,
    key: t.string,
    qos,
    retainState: t.boolean,
    acceptRetainedWrites: t.boolean,
    protocolVersion,
    alpn,
    acceptRetainedRequests: t.boolean,
    users: t.unknown,
    allowAnonymous: t.boolean,
    persistentSession: t.boolean,
    queuedWrites: oneOf(['apply', 'refuse']),
    snapshot: t.boolean,
  },
  'a mapping',
);

/** One entry of `mqtt.users`: a client of the embedded broker. */
export const BrokerUser = t.partial(
  {
    username: mqttText(256),
    password: secret,
  },
  'a mapping like {username: app, password: secret}',
);

export const Gpio = t.partial(
  {
    driver: oneOf(['auto', 'sim', 'libgpiod', 'cdev']),
    chip,
    lines: integerIn(1, 1024),
  },
  'a mapping',
);

/** Home Assistant MQTT discovery: off unless `discovery: true`. */
export const HomeAssistant = t.partial(
  {
    discovery: t.boolean,
    prefix: discoveryPrefix,
  },
  'a mapping',
);

export type HomeAssistant = t.TypeOf<typeof HomeAssistant>;
export type PinEntry = t.TypeOf<typeof PinEntry>;
export type Mqtt = t.TypeOf<typeof Mqtt>;
export type Gpio = t.TypeOf<typeof Gpio>;
