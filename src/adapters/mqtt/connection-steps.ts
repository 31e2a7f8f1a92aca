import type { IConnackPacket, MqttClient } from 'mqtt';
import type { Logger } from '../log/logger';

/**
 * At debug level, a line for each step of the broker connection: every close
 * (and when the next try comes), every reconnect try, every failed try, and
 * every CONNACK. The info and warn lines (`watchConnection`) say once when an
 * outage starts and ends; these say what happened in between. At any other
 * level nothing is listened to.
 */
export const logConnectionSteps = (client: MqttClient, deps: { readonly broker: string; readonly log: Logger }): void => {
  const { broker, log } = deps;
  if (!log.enabled('debug')) return;
  let tries = 0;
  client.on('close', () => {
    const reconnecting = !client.disconnecting && client.options.reconnectPeriod !== 0;
    log.debug('connection closed', { broker, ...(reconnecting ? { reconnectInMs: client.options.reconnectPeriod } : {}) });
  });
  client.on('reconnect', () => {
    tries += 1;
    log.debug('reconnecting', { broker, try: tries });
  });
  client.on('error', (e: Error & { code?: unknown }) => {
    log.debug('connection attempt failed', { broker, error: e.message, ...(e.code === undefined ? {} : { code: e.code }) });
  });
  client.on('connect', (packet: IConnackPacket) => {
    log.debug('connack', { broker, sessionPresent: packet.sessionPresent, ...(tries > 0 ? { tries } : {}) });
    tries = 0;
  });
};
