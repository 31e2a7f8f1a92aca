import { type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { Level } from '../../core/model';
import type { Output } from '../../core/outputs';
import type { Request } from '../../core/requests';
import { countTopic, errorTopic, eventTopic, pinsTopic, stateTopic } from '../../core/topics';
import type { Logger } from './logger';

/** A request's payload is logged up to this many characters: the log stays bounded whatever arrives. */
export const LOGGED_PAYLOAD_CHARS = 200;

const shortened = (payload: string): string =>
  payload.length <= LOGGED_PAYLOAD_CHARS ? payload : `${payload.slice(0, LOGGED_PAYLOAD_CHARS)}... (${payload.length} characters)`;

/**
 * At debug level, a `request` line for each request as it arrives; at any
 * other level the stream itself, untouched: the level is looked at once, here,
 * so the request path costs nothing more than before.
 */
export const logRequests = (log: Logger): MonoTypeOperatorFunction<Request> => {
  if (!log.enabled('debug')) return (request$) => request$;
  return tap((r) =>
    log.debug('request', {
      topic: r.topic,
      payload: shortened(r.payload),
      retained: r.retained,
      ...(r.reply === undefined ? {} : { qos: r.reply.qos }),
      ...(r.reply?.responseTopic === undefined ? {} : { responseTopic: r.reply.responseTopic }),
      ...(r.queued === true ? { queued: true } : {}),
    }),
  );
};

/**
 * At debug level, a line for each output of the pipeline, before it is
 * published: the answer to each request, each input change, each level
 * published at start-up or after a reconnect, each edge event, count,
 * snapshot of every pin and retained request ignored. Undefined at any other level, so the caller can pick its
 * code path once.
 */
export const outputLines = (log: Logger, thing: string, inputs: ReadonlyArray<number>): ((o: Output) => void) | undefined => {
  if (!log.enabled('debug')) return undefined;
  const isInput = new Set(inputs);
  const last = new Map<number, Level>();
  return (o) => {
    switch (o._tag) {
      case 'State': {
        const before = last.get(o.pin);
        last.set(o.pin, o.level);
        const fields = { topic: stateTopic(thing, o.pin), pin: o.pin, pinLevel: o.level };
        if (o.reply !== undefined) return log.debug('answer', { ...fields, qos: o.reply.qos });
        if (before === undefined || before === o.level) return log.debug('level published', fields);
        return log.debug(isInput.has(o.pin) ? 'input changed' : 'output changed', { ...fields, was: before });
      }
      case 'Rejected':
        return log.debug('answer', {
          topic: errorTopic(thing),
          request: o.error.topic,
          error: o.error.error,
          ...(o.reply === undefined ? {} : { qos: o.reply.qos }),
        });
      case 'Ignored':
        // The others have a warn line each; retained ones only a count per burst.
        if (o.retained === undefined) return;
        return log.debug('retained request ignored', { topic: o.topic, kind: o.retained });
      case 'Simulated':
        return log.debug('simulated input set', { topic: o.topic, pin: o.pin, pinLevel: o.level });
      case 'Event':
        return log.debug('edge', {
          topic: eventTopic(thing, o.pin),
          pin: o.pin,
          edge: o.rising ? 'rising' : 'falling',
          ...(o.timestampNs === undefined ? {} : { timestampNs: o.timestampNs.toString() }),
        });
      case 'Count':
        return log.debug('count', { topic: countTopic(thing, o.pin), pin: o.pin, count: o.count });
      case 'Snapshot': {
        const fields = { topic: pinsTopic(thing), pins: o.pins.length };
        // The answer to a read of all pins, or one published on a change, at start-up or after a reconnect.
        return o.reply === undefined ? log.debug('snapshot published', fields) : log.debug('answer', { ...fields, qos: o.reply.qos });
      }
    }
  };
};
