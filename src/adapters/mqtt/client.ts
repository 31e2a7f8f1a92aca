import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../../core/model';
import { statusTopic } from '../../core/topics';

/** The broker URL without credentials, safe to log. */
export const redactUrl = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
};

/**
 * Client options: a clean session with a per-thing client id, reconnect every
 * second, and availability through the last will (retained `offline`).
 * QoS 0 messages are not queued while offline: after a reconnect the service
 * publishes every pin's current level instead of a backlog of old ones.
 */
export const clientOptions = (cfg: MqttConfig, thing: string, read = readFileSync): IClientOptions => ({
  clientId: cfg.clientId,
  clean: true,
  reconnectPeriod: 1000,
  // Without it MQTT.js gives up after a refused login; ./connection.ts paces the retries.
  reconnectOnConnackError: true,
  connectTimeout: 10_000,
  keepalive: 30,
  queueQoSZero: false,
  resubscribe: true,
  will: { topic: statusTopic(thing), payload: Buffer.from('offline'), qos: cfg.qos, retain: true },
  ...(cfg.username !== undefined ? { username: cfg.username } : {}),
  ...(cfg.password !== undefined ? { password: cfg.password } : {}),
  ...(cfg.ca !== undefined ? { ca: read(cfg.ca) } : {}),
  ...(cfg.cert !== undefined ? { cert: read(cfg.cert) } : {}),
  ...(cfg.key !== undefined ? { key: read(cfg.key) } : {}),
});

export const connectClient = (url: string, options: IClientOptions): MqttClient => mqtt.connect(url, options);
