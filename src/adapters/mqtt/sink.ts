import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { Observable, Subscription } from 'rxjs';
import type { Level } from '../../core/model';
import { formatCount, formatEvent, formatLevel } from '../../core/payload';
import type { Output } from '../../core/outputs';
import type { Reply } from '../../core/reducer';
import { formatSnapshot } from '../../core/snapshot';
import { countTopic, errorTopic, eventTopic, isAnswerableResponseTopic, pinsTopic, stateTopic } from '../../core/topics';
import type { Logger } from '../log/logger';
import { limitedLogs } from '../log/limited';
import { outputLines } from '../log/pipeline-debug';

export interface SinkDeps {
  readonly client: MqttClient;
  readonly thing: string;
  readonly qos: 0 | 1;
  readonly retainState: boolean;
  readonly log: Logger;
  /** The input pins, for the debug log's "input changed" lines. */
  readonly inputs?: ReadonlyArray<number>;
  /** A failure of the pipeline itself (a bug): the service reports it and stops. */
  readonly onFatal: (error: unknown) => void;
}

export interface Sink {
  readonly subscription: Subscription;
  /** Resolves when every publish handed to the client has completed (or failed). */
  drained(): Promise<void>;
}

/**
 * Publishes states, errors and snapshots, logs the rest. While the broker is away nothing
 * is queued: the reconnect republishes every pin's current level instead.
 *
 * An answer goes out at the QoS of its request, capped at `qos`: a QoS 0
 * requester asked for no acknowledgements, and a QoS 1 answer would make the
 * broker send the service a PUBACK that Nagle's algorithm on a stock
 * Mosquitto (`set_tcp_nodelay false`) turns into a ~40 ms stall of the next
 * request. With MQTT 5, an answer also goes to the request's response topic,
 * and carries its correlation data and user properties.
 */
/**
 * The wall-clock time of a CLOCK_MONOTONIC timestamp (the kernel's event
 * clock, and `process.hrtime`'s), or of now when there is none.
 */
export const wallTime = (monotonicNs?: bigint, nowMs = Date.now(), nowNs = process.hrtime.bigint()): string =>
  new Date(monotonicNs === undefined ? nowMs : nowMs - Number(nowNs - monotonicNs) / 1e6).toISOString();

export const publishOutputs = (output$: Observable<Output>, deps: SinkDeps): Sink => {
  const { client, thing, qos, log } = deps;
  // The log level is looked at once: at info, no output builds a debug line's fields.
  const debug = log.enabled('debug');
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };
  // Built once: every state publish would otherwise make a topic string and a payload buffer.
  const stateTopics = new Map<number, string>();
  const topicOf = (pin: number): string => {
    let topic = stateTopics.get(pin);
    if (topic === undefined) stateTopics.set(pin, (topic = stateTopic(thing, pin)));
    return topic;
  };
  const eventTopics = new Map<number, string>();
  const countTopics = new Map<number, string>();
  const topicIn = (cache: Map<number, string>, make: (thing: string, pin: number) => string, pin: number): string => {
    let topic = cache.get(pin);
    if (topic === undefined) cache.set(pin, (topic = make(thing, pin)));
    return topic;
  };
  const payloads: Record<Level, Buffer> = { 0: Buffer.from(formatLevel(0)), 1: Buffer.from(formatLevel(1)) };
  const errors = errorTopic(thing);
  const pins = pinsTopic(thing);

  const send = (topic: string, payload: string | Buffer, options: IClientPublishOptions) => {
    inFlight += 1;
    client.publish(topic, payload, options, (err) => {
      if (err) log.warn('publish failed', { topic, error: err.message });
      settle();
    });
  };
  const publish = (topic: string, payload: string | Buffer, retain: boolean, reply?: Reply) => {
    if (!client.connected) {
      if (debug) log.debug('not connected: publish dropped, the reconnect republishes levels', { topic });
      return;
    }
    if (reply === undefined) return send(topic, payload, { qos, retain });
    const answerQos = reply.qos < qos ? (reply.qos as 0 | 1) : qos;
    const properties = {
      ...(reply.correlationData === undefined ? {} : { correlationData: Buffer.from(reply.correlationData) }),
      ...(reply.userProperties === undefined ? {} : { userProperties: reply.userProperties as Record<string, string | string[]> }),
    };
    const withProperties = Object.keys(properties).length > 0 ? { properties } : {};
    // A retained level is for every later subscriber: it does not carry one caller's request data.
    send(topic, payload, { qos: answerQos, retain, ...(retain ? {} : withProperties) });
    const to = reply.responseTopic;
    if (to === undefined) return;
    if (!isAnswerableResponseTopic(to)) return log.warn('response topic refused: not a topic name, or a request topic', { topic, responseTopic: to });
    send(to, payload, { qos: answerQos, retain: false, ...withProperties });
  };
  const counts = new Map<number, number>();
  let countFlush: NodeJS.Immediate | undefined;
  const flushCounts = (): void => {
    countFlush = undefined;
    for (const [pin, count] of counts) publish(topicIn(countTopics, countTopic, pin), formatCount(count), deps.retainState);
    counts.clear();
  };
  const { rejected$, retained$, stop: stopLogs } = limitedLogs(log, errors);
  const publishOne = (o: Output): void => {
    switch (o._tag) {
      case 'State':
        return publish(topicOf(o.pin), payloads[o.level], deps.retainState, o.reply);
      case 'Rejected':
        rejected$.next(o.error);
        return publish(errors, JSON.stringify(o.error), false, o.reply);
      case 'Ignored':
        if (o.retained !== undefined) return retained$.next(o);
        return log.warn(o.reason, { topic: o.topic });
      case 'Event':
        return publish(topicIn(eventTopics, eventTopic, o.pin), formatEvent(o.rising, wallTime(o.timestampNs), o.timestampNs), false);
      case 'Count':
        // A count is a running total: of a burst's counts handed on in one turn of the event loop, the last says it all.
        counts.set(o.pin, o.count);
        countFlush ??= setImmediate(flushCounts);
        return;
      case 'Simulated':
        return; // only logged, at debug (outputLines)
      case 'Snapshot':
        // Always retained: it is the picture a late subscriber wants. The streams unit decided when.
        return publish(pins, formatSnapshot(o.pins, o.timeMs), true, o.reply);
    }
  };
  const lines = outputLines(log, thing, deps.inputs ?? []);
  const subscription = output$.subscribe({
    next:
      lines === undefined
        ? publishOne
        : (o) => {
            lines(o);
            publishOne(o);
          },
    error: deps.onFatal,
  });
  // On unsubscribe the held-back counts are still logged, and the last counts published.
  subscription.add(stopLogs);
  subscription.add(() => {
    if (countFlush !== undefined) clearImmediate(countFlush);
    flushCounts();
  });
  return {
    subscription,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
};
