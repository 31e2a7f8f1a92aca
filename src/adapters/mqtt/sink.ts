import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { Observable, Subscription } from 'rxjs';
import { type AnswerProperties, type Message, mqttContract } from '../../core/contract';
import type { Output } from '../../core/outputs';
import { errorTopic } from '../../core/topics';
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
 * The wall-clock time of a CLOCK_MONOTONIC timestamp (the kernel's event
 * clock, and `process.hrtime`'s), or of now when there is none.
 */
export const wallTime = (monotonicNs?: bigint, nowMs = Date.now(), nowNs = process.hrtime.bigint()): string =>
  new Date(monotonicNs === undefined ? nowMs : nowMs - Number(nowNs - monotonicNs) / 1e6).toISOString();

/** The MQTT 5 properties of an answer, as MQTT.js takes them. */
const mqttProperties = (p: AnswerProperties): IClientPublishOptions['properties'] => ({
  ...(p.correlationData === undefined ? {} : { correlationData: Buffer.from(p.correlationData) }),
  ...(p.userProperties === undefined ? {} : { userProperties: p.userProperties as Record<string, string | string[]> }),
});

/**
 * Publishes what the MQTT contract (core/contract) makes of each output, and
 * logs what only the log gets (rejections, counted per burst; ignored
 * requests). While the broker is away nothing is queued: the reconnect
 * republishes every pin's current level instead.
 *
 * An answer goes out at the QoS of its request, capped at `qos` (the
 * contract's rule): a QoS 0 requester asked for no acknowledgements, and a
 * QoS 1 answer would make the broker send the service a PUBACK that Nagle's
 * algorithm on a stock Mosquitto (`set_tcp_nodelay false`) turns into a
 * ~40 ms stall of the next request. With MQTT 5, an answer also goes to the
 * request's response topic, and carries its correlation data and user properties.
 */
export const publishOutputs = (output$: Observable<Output>, deps: SinkDeps): Sink => {
  const { client, thing, log } = deps;
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
  const deliveryOf = mqttContract({ thing, qos: deps.qos, retainState: deps.retainState, wallTime });

  const send = (m: Message) => {
    inFlight += 1;
    const options: IClientPublishOptions =
      m.properties === undefined ? { qos: m.qos, retain: m.retain } : { qos: m.qos, retain: m.retain, properties: mqttProperties(m.properties) };
    client.publish(m.topic, m.payload, options, (err) => {
      if (err) log.warn('publish failed', { topic: m.topic, error: err.message });
      settle();
    });
  };
  const { rejected$, retained$, stop: stopLogs } = limitedLogs(log, errorTopic(thing));
  /** What the log gets of an output, besides the debug lines. */
  const logOf = (o: Output): void => {
    if (o._tag === 'Rejected') rejected$.next(o.error);
    else if (o._tag === 'FailsafeMoved') {
      log.warn('failsafe: the broker connection has been lost for failsafeAfter; output set to its failsafe level, and kept there until a write', {
        pin: o.pin,
        pinLevel: o.level,
        failsafeAfterMs: o.afterMs,
      });
    } else if (o._tag === 'FailsafeReport') {
      log.warn('failsafe: broker back; the output stays at its failsafe level, reported on the error topic', {
        topic: errorTopic(thing),
        pin: o.pin,
        pinLevel: o.level,
        failsafeAfterMs: o.afterMs,
        movedAt: new Date(o.timeMs).toISOString(),
      });
    } else if (o._tag === 'Ignored') {
      if (o.retained !== undefined) retained$.next(o);
      else log.warn(o.reason, { topic: o.topic });
    }
  };
  const publishOne = (o: Output): void => {
    logOf(o);
    const { messages, refusedResponseTopic } = deliveryOf(o);
    const first = messages[0];
    if (first === undefined) return;
    if (!client.connected) {
      if (debug) log.debug('not connected: publish dropped, the reconnect republishes levels', { topic: first.topic });
      return;
    }
    for (const m of messages) send(m);
    if (refusedResponseTopic !== undefined) {
      log.warn('response topic refused: not a topic name, or a request topic', { topic: first.topic, responseTopic: refusedResponseTopic });
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
  // On unsubscribe the held-back log lines are still written.
  subscription.add(stopLogs);
  return {
    subscription,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
};
