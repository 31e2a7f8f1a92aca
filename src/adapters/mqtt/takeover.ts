import type { MqttClient } from 'mqtt';
import type { Logger } from '../log/logger';

/**
 * A connection that ends, by no doing of ours, sooner than this plus the
 * current reconnect period after its CONNACK counts as taken over: the other
 * service takes the id back at its next reconnect, one period after losing it.
 */
export const SHORT_CONNECTION_MS = 5_000;
/** Two short connections in a row: one can be a network hiccup, two in a row at once after connecting rarely are. */
const STRIKES = 2;
/** The slowest reconnect while taken over. */
export const MAX_RECONNECT_MS = 60_000;
/** MQTT 5 DISCONNECT reason "Session taken over". */
const SESSION_TAKEN_OVER = 0x8e;

/**
 * Detects a client-id takeover loop and stops fighting it. Two services with
 * one thingName (so one default client id) kick each other off the broker
 * about once a second forever: each reconnect takes the id back. MQTT 3.1.1
 * gives no reason, so a run of connections that each ended within seconds of
 * being accepted is taken as one; MQTT 5 says so ("session taken over").
 *
 * It is reported once, in plain words, and each further takeover doubles
 * the reconnect period up to a minute. A connection that outlasts the other
 * side's reconnect period ends the episode: the period is back to a second.
 */
export const watchTakeovers = (
  client: MqttClient,
  deps: { readonly clientId: string; readonly log: Logger; readonly isStopping: () => boolean; readonly now?: () => number },
): void => {
  const now = deps.now ?? Date.now;
  const basePeriod = client.options.reconnectPeriod ?? 1000;
  let connectedAt: number | undefined;
  let strikes = 0;
  let reported = false;
  let sessionTakenOver = false;

  const takenOver = (): void => {
    if (!reported) {
      reported = true;
      deps.log.warn(
        `another client is connecting as ${deps.clientId}: two services with one thingName? Each takes the client id from the other; set a distinct thingName (or mqtt.clientId) on one of them. Reconnecting more slowly meanwhile.`,
        { clientId: deps.clientId },
      );
    }
    const next = Math.min(MAX_RECONNECT_MS, Math.max(basePeriod, (client.options.reconnectPeriod ?? basePeriod) * 2));
    client.options.reconnectPeriod = next;
    deps.log.debug('client id taken over again: reconnect slowed down', { reconnectPeriodMs: next });
  };

  client.on('connect', () => {
    connectedAt = now();
  });
  client.on('disconnect', (packet: { reasonCode?: number }) => {
    if (packet.reasonCode === SESSION_TAKEN_OVER) sessionTakenOver = true;
  });
  client.on('close', () => {
    const since = connectedAt;
    connectedAt = undefined;
    if (since === undefined || deps.isStopping()) return; // a failed attempt, or our own end
    const period = client.options.reconnectPeriod ?? basePeriod;
    if (sessionTakenOver || now() - since < period + SHORT_CONNECTION_MS) {
      strikes += 1;
      if (sessionTakenOver || strikes >= STRIKES) takenOver();
    } else {
      // It held: whatever it was is over.
      strikes = 0;
      if (client.options.reconnectPeriod !== basePeriod) {
        client.options.reconnectPeriod = basePeriod;
        if (reported) deps.log.info('client id no longer contested: reconnecting every second again', { clientId: deps.clientId });
      }
      reported = false;
    }
    sessionTakenOver = false;
  });
};
