/**
 * The MQTT contract in one place: every topic the service speaks, built and
 * parsed here. Topic shapes are the Greengrass connector's.
 */

export const stateTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/state`;
export const errorTopic = (thing: string): string => `gpio/${thing}/error`;
/** Availability: retained `online` on connect, `offline` as the last will. */
export const statusTopic = (thing: string): string => `gpio/${thing}/status`;

/** Each edge of a pin, as JSON with its timestamp (inputs with `events: true`). */
export const eventTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/event`;
/** A pin's pulse count (inputs with `count`). */
export const countTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/count`;
/** Where pulse requests for a pin arrive. */
export const pulseTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/pulse`;
/** Where write requests for a pin arrive (and what a failsafe report names: a write there sets the pin again). */
export const writeTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/write`;
/** Where PWM requests for a pin arrive (outputs with `pwm:`): `{"duty":0.25}`, `{"frequency":1000}`. */
export const pwmTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/pwm`;
/** A PWM output's frequency and duty, as JSON: the answer to a PWM request, and published at start-up and on reconnect. */
export const pwmStateTopic = (thing: string, pin: number): string => `gpio/${thing}/${pin}/pwm/state`;
/** Every pin's level at a glance: a retained JSON snapshot (core/snapshot). */
export const pinsTopic = (thing: string): string => `gpio/${thing}/pins`;
/** A read of all pins at once: no pin in the topic, answered on {@link pinsTopic}. */
export const readAllTopic = (thing: string): string => `gpio/${thing}/read`;

export type RequestKind = 'read' | 'write' | 'pulse' | 'simulate' | 'pwm';

/** The filters the service subscribes to: its own thing only, never `gpio/+/...`; PWM requests only when an output has `pwm:`. */
export const requestFilters = (thing: string, simulate: boolean, pwm = false): ReadonlyArray<string> => [
  `gpio/${thing}/+/read`,
  `gpio/${thing}/+/write`,
  `gpio/${thing}/+/pulse`,
  ...(pwm ? [`gpio/${thing}/+/pwm`] : []),
  ...(simulate ? [`gpio/${thing}/+/simulate`] : []),
];

export interface RequestTopic {
  readonly kind: RequestKind;
  /** The pin level of the topic, unparsed: it may not be a number. */
  readonly pinSegment: string;
}

/**
 * A parser for `gpio/<thing>/<pin>/<kind>`: anything else is not a request of
 * this thing. Made once per thing: it runs on every message, so it slices
 * the topic rather than splitting it into an array.
 */
export const requestTopicParser = (thing: string): ((topic: string) => RequestTopic | undefined) => {
  const prefix = `gpio/${thing}/`;
  return (topic) => {
    if (!topic.startsWith(prefix)) return undefined;
    const slash = topic.indexOf('/', prefix.length);
    if (slash < 0) return undefined;
    const kind = topic.slice(slash + 1);
    return kind === 'read' || kind === 'write' || kind === 'pulse' || kind === 'simulate' || kind === 'pwm'
      ? { kind, pinSegment: topic.slice(prefix.length, slash) }
      : undefined;
  };
};

/**
 * Whether the service may publish an answer to an MQTT 5 response topic: a
 * topic name (no wildcards), and not a request topic (`gpio/<thing>/<pin>/
 * write|read|pulse|pwm|simulate`, or the read of all pins `gpio/<thing>/read`), so a requester cannot make the service command
 * itself or another bridge with its answer.
 */
export const isAnswerableResponseTopic = (topic: string): boolean =>
  topic !== '' &&
  // eslint-disable-next-line no-control-regex -- NUL is not allowed in a topic (MQTT 3.1.1, 4.7.3)
  !/[+#\u0000]/.test(topic) &&
  !/^gpio\/[^/]+\/[^/]+\/(read|write|pulse|pwm|simulate)$/.test(topic) &&
  !/^gpio\/[^/]+\/read$/.test(topic);
