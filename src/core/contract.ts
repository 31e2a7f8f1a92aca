/**
 * The MQTT contract of the pipeline's outputs, in one place: for each kind of
 * output, the messages it becomes (topic, payload, QoS, retain, and the MQTT
 * 5 properties an answer echoes), or none when it is only logged. Pure: the
 * sink (adapters/mqtt/sink) publishes what this says and decides nothing.
 */
import { failsafeMessage } from './failsafe';
import type { Output } from './outputs';
import { formatCount, formatEvent, formatLevel } from './payload';
import type { Reply } from './requests';
import { formatSnapshot } from './snapshot';
import { formatPwm } from './pwm';
import { countTopic, errorTopic, eventTopic, isAnswerableResponseTopic, pinsTopic, pwmStateTopic, stateTopic } from './topics';

export interface ContractOptions {
  readonly thing: string;
  /** `mqtt.qos`: what everything is published at; an answer goes out at no higher QoS than its request's. */
  readonly qos: 0 | 1;
  /** `mqtt.retainState`: states and counts are retained. */
  readonly retainState: boolean;
  /**
   * The wall-clock time (ISO 8601) of a CLOCK_MONOTONIC timestamp, or of now
   * when there is none: an event's `time`. The caller's clock, so this stays pure.
   */
  readonly wallTime: (monotonicNs?: bigint) => string;
}

/** The MQTT 5 properties an answer echoes from its request. */
export interface AnswerProperties {
  readonly correlationData?: Uint8Array;
  readonly userProperties?: Readonly<Record<string, string | ReadonlyArray<string>>>;
}

/** One message to publish. */
export interface Message {
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  readonly properties?: AnswerProperties;
}

/** What one output is on MQTT. */
export interface Delivery {
  /** In order; none for an output that is only logged (ignored requests, simulated inputs). */
  readonly messages: ReadonlyArray<Message>;
  /** An MQTT 5 response topic the answer was not sent to: a wildcard, or a request topic. */
  readonly refusedResponseTopic?: string;
}

const NOTHING: Delivery = { messages: [] };

/**
 * The contract for one thing:
 *
 * | output | topic | payload | QoS | retained |
 * | --- | --- | --- | --- | --- |
 * | State | `gpio/<thing>/<pin>/state` | `0` or `1` | `qos`, an answer at most its request's | `retainState` |
 * | Rejected | `gpio/<thing>/error` | `{"topic","error","long_description"}` | as State | no |
 * | Event | `gpio/<thing>/<pin>/event` | `{"edge","level","time"[,"timestampNs"]}` | `qos` | no |
 * | Count | `gpio/<thing>/<pin>/count` | the count in decimal | `qos` | `retainState` |
 * | Snapshot | `gpio/<thing>/pins` | every pin at a glance (core/snapshot) | as State | always |
 * | PwmState | `gpio/<thing>/<pin>/pwm/state` | `{"frequency","duty"}` | as State | `retainState` |
 * | FailsafeReport | `gpio/<thing>/error` | `{"topic","error","long_description"}` (core/failsafe) | `qos` | no |
 * | Ignored, Simulated, FailsafeMoved | none: logged only | | | |
 *
 * An answer (a State or Rejected carrying its request's reply) also echoes the
 * request's MQTT 5 correlation data and user properties, unless it is
 * retained (a retained level is for every later subscriber, not one caller),
 * and is sent, not retained, to the request's response topic too, when that is
 * a topic the service may answer on (`isAnswerableResponseTopic`).
 */
export const mqttContract = (options: ContractOptions): ((o: Output) => Delivery) => {
  const { thing, qos, retainState, wallTime } = options;
  // Topics made once per pin: every state publish would otherwise build its topic string.
  const cached = (make: (thing: string, pin: number) => string): ((pin: number) => string) => {
    const topics = new Map<number, string>();
    return (pin) => {
      let topic = topics.get(pin);
      if (topic === undefined) topics.set(pin, (topic = make(thing, pin)));
      return topic;
    };
  };
  const stateOf = cached(stateTopic);
  const eventOf = cached(eventTopic);
  const countOf = cached(countTopic);
  const pwmStateOf = cached(pwmStateTopic);
  const errors = errorTopic(thing);
  const pins = pinsTopic(thing);

  const plain = (topic: string, payload: string, retain: boolean): Delivery => ({ messages: [{ topic, payload, qos, retain }] });
  const answer = (topic: string, payload: string, retain: boolean, reply: Reply | undefined): Delivery => {
    if (reply === undefined) return plain(topic, payload, retain);
    const answerQos = reply.qos < qos ? (reply.qos as 0 | 1) : qos;
    // The common answer (MQTT 3.1.1, or 5 without response topic or properties): one message, built directly.
    if (reply.responseTopic === undefined && reply.correlationData === undefined && reply.userProperties === undefined) {
      return { messages: [{ topic, payload, qos: answerQos, retain }] };
    }
    const properties: AnswerProperties | undefined =
      reply.correlationData === undefined && reply.userProperties === undefined
        ? undefined
        : {
            ...(reply.correlationData === undefined ? {} : { correlationData: reply.correlationData }),
            ...(reply.userProperties === undefined ? {} : { userProperties: reply.userProperties }),
          };
    const echo = properties === undefined ? {} : { properties };
    const first: Message = { topic, payload, qos: answerQos, retain, ...(retain ? {} : echo) };
    const to = reply.responseTopic;
    if (to === undefined) return { messages: [first] };
    if (!isAnswerableResponseTopic(to)) return { messages: [first], refusedResponseTopic: to };
    return { messages: [first, { topic: to, payload, qos: answerQos, retain: false, ...echo }] };
  };

  return (o) => {
    switch (o._tag) {
      case 'State':
        return answer(stateOf(o.pin), formatLevel(o.level), retainState, o.reply);
      case 'Rejected':
        return answer(errors, JSON.stringify(o.error), false, o.reply);
      case 'Event':
        return plain(eventOf(o.pin), formatEvent(o.rising, wallTime(o.timestampNs), o.timestampNs), false);
      case 'Count':
        return plain(countOf(o.pin), formatCount(o.count), retainState);
      case 'Snapshot':
        // Always retained: it is the picture a late subscriber wants. The streams unit decided when.
        return answer(pins, formatSnapshot(o.pins, o.timeMs), true, o.reply);
      case 'FailsafeReport':
        return plain(errors, JSON.stringify(failsafeMessage(o)), false);
      case 'PwmState':
        return answer(pwmStateOf(o.pin), formatPwm(o.setting), retainState, o.reply);
      case 'Ignored':
      case 'Simulated':
      case 'FailsafeMoved':
        return NOTHING;
    }
  };
};
