import type { MqttClient } from 'mqtt';
import { TLSSocket } from 'node:tls';
import { backoffMs, classifyFailure, closedBeforeAccepting, isStartupFailure, RETRY_MS, type Failure } from '../../core/broker-failures';
import type { LogFields, Logger } from '../log/logger';
import { logConnectionSteps } from './connection-steps';

export interface ConnectionDeps {
  /** The broker URL without credentials. */
  readonly broker: string;
  readonly log: Logger;
  /** mqtts:// or wss://: a close before the CONNACK may be a missing ALPN protocol. */
  readonly tls: boolean;
  /** A refusal or TLS failure before the first connection: the caller exits with status 1. */
  readonly onStartupFailure: (message: string) => void;
  readonly now?: () => number;
  /** The wait after `n` refusals in a row; the real one (1 s doubling to 30 s) unless a test shortens it. */
  readonly backoff?: (n: number) => number;
}

/**
 * Watches a client's connection. Before the first connection, a refusal or a
 * TLS failure is a start-up failure. Later, refusals and TLS failures are
 * retried with a backoff (1 s doubling to 30 s) and an unreachable broker
 * every second. Each outage is logged once when it starts (and once more for
 * each new reason in it, never twice for one reason) and once when it ends, with how long it lasted and how
 * many tries it took: never a line per try.
 *
 * MQTT.js reads `options.reconnectPeriod` each time it arms its reconnect
 * timer after a failed attempt, so setting it there is enough.
 */
export const watchConnection = (client: MqttClient, deps: ConnectionDeps): { stop(): void } => {
  const { log, broker } = deps;
  const now = deps.now ?? Date.now;
  let connectedOnce = false;
  let stopped = false;
  let refusals = 0;
  let outage: { since: number; tries: number; reason: string; logged: Set<string> } | undefined;
  let erredThisAttempt = false;

  const begin = (reason: string, fields: LogFields, message: string): void => {
    if (outage === undefined) outage = { since: now(), tries: 0, reason, logged: new Set() };
    outage.reason = reason;
    // A broker that alternates between two failures must not get a line per try either.
    if (outage.logged.has(reason)) return;
    outage.logged.add(reason);
    log.warn(message, { broker, ...fields });
  };

  const failed = (f: Failure): void => {
    if (!connectedOnce && isStartupFailure(f)) {
      stopped = true;
      deps.onStartupFailure(`cannot connect to the broker ${broker}: ${f.reason} (${f.detail})`);
      return;
    }
    if (f.kind === 'network') {
      refusals = 0;
      client.options.reconnectPeriod = RETRY_MS;
    } else {
      refusals += 1;
      client.options.reconnectPeriod = (deps.backoff ?? backoffMs)(refusals);
    }
    const retry = f.kind === 'network' ? 'retrying every second' : `retrying with a backoff from 1 s to 30 s`;
    begin(f.reason, { reason: f.reason, error: f.detail }, connectedOnce ? `broker connection failing: ${f.reason}; ${retry}` : `cannot reach the broker yet: ${f.reason}; ${retry}`);
  };
  client.on('error', (e: Error & { code?: unknown }) => {
    if (stopped) return;
    erredThisAttempt = true;
    failed(classifyFailure(e, inTlsHandshake(client)));
  });
  client.on('close', () => {
    if (stopped) return;
    if (!connectedOnce && !erredThisAttempt) failed(closedBeforeAccepting(deps.tls, inTlsHandshake(client)));
    // A lost connection with no error (the broker went away): the outage starts here.
    else if (connectedOnce && outage === undefined) begin('connection lost', {}, 'broker connection lost; reconnecting every second');
    erredThisAttempt = false;
  });
  client.on('reconnect', () => {
    erredThisAttempt = false;
    if (outage !== undefined) outage.tries += 1;
  });
  client.on('connect', () => {
    // Nagle would hold an answer written right after an acknowledgement until the broker's delayed ACK.
    (client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined)?.setNoDelay?.(true);
    if (outage !== undefined && connectedOnce) {
      log.info('broker connection back', { broker, downMs: now() - outage.since, tries: outage.tries, after: outage.reason });
    }
    connectedOnce = true;
    outage = undefined;
    // Back to a second only after our own backoff: a slower period set for another reason (a client-id takeover) stays.
    if (refusals > 0) client.options.reconnectPeriod = RETRY_MS;
    refusals = 0;
  });
  logConnectionSteps(client, { broker, log });
  return {
    stop: () => {
      stopped = true;
    },
  };
};

/**
 * Whether the current attempt's connection is TLS with its handshake not
 * completed: Node.js sets `alpnProtocol` (false without ALPN) when the
 * handshake completes, and it is null until then. MQTT.js keeps the attempt's
 * socket in `client.stream` until the next attempt. For wss:// the stream is a
 * websocket wrapper that does not show its socket: never counted.
 */
const inTlsHandshake = (client: MqttClient): boolean => {
  const stream: unknown = client.stream;
  return stream instanceof TLSSocket && stream.alpnProtocol === null;
};
