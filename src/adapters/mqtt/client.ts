import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../../core/model';
import { alpnProtocols } from '../../core/aws-iot';
import { statusTopic } from '../../core/topics';
import type { TlsFiles } from '../tls-files';
import { connectPlain } from './plain-connect';

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
 * Client options: a session per thing (clean, or persistent with
 * `mqtt.persistentSession`), reconnect every second, and availability
 * through the last will (retained `offline`). QoS 0 messages are not queued
 * while offline: after a reconnect the service publishes every pin's current
 * level instead of a backlog of old ones. `tls`: the contents of the files
 * `mqtt.ca`, `mqtt.cert` and `mqtt.key` name, as the config loader read them.
 */
export const clientOptions = (cfg: MqttConfig, thing: string, tls: TlsFiles, url = cfg.broker.kind === 'url' ? cfg.broker.url : ''): IClientOptions => ({
  clientId: cfg.clientId,
  // A persistent session keeps the subscriptions and queues QoS 1 requests at the broker while the service is away.
  clean: !cfg.persistentSession,
  reconnectPeriod: 1000,
  // Without it MQTT.js gives up after a refused login; ./connection.ts paces the retries.
  reconnectOnConnackError: true,
  connectTimeout: 10_000,
  keepalive: 30,
  queueQoSZero: false,
  resubscribe: true,
  // MQTT.js would otherwise fill mqtt-packet's cache of every 16-bit number as a Buffer on the first write:
  // 65,536 Buffer objects, about 6 MB of heap, to save a 2-byte allocation per packet id or length.
  writeCache: false,
  will: { topic: statusTopic(thing), payload: Buffer.from('offline'), qos: cfg.qos, retain: true },
  ...(cfg.username !== undefined ? { username: cfg.username } : {}),
  ...(cfg.password !== undefined ? { password: cfg.password } : {}),
  ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
  ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
  ...(tls.key !== undefined ? { key: tls.key } : {}),
  ...(cfg.protocolVersion !== undefined ? { protocolVersion: cfg.protocolVersion } : {}),
  ...alpn(alpnProtocols(url, cfg.alpn)),
});

/** ALPN for the TLS handshake (AWS IoT Core on port 443 needs x-amzn-mqtt-ca). */
const alpn = (protocols: ReadonlyArray<string>): IClientOptions => (protocols.length > 0 ? { ALPNProtocols: [...protocols] } : {});

/** Logs nothing: MQTT.js's logger when no one asked for its debug lines. */
const quiet = (): void => undefined;

/**
 * MQTT.js writes its debug lines through the `debug` package (`DEBUG=mqttjs*`):
 * 16 calls for a message received and answered at QoS 0, and `debug` builds
 * each call's arguments before it sees it is off (about 2 KB of garbage per
 * round trip, measured with V8's sampling heap profiler).
 * Without `DEBUG` in the environment no debug line can be on, so the client
 * gets a logger that does nothing; with it, MQTT.js's own, as before.
 */
export const mqttLog = (env: NodeJS.ProcessEnv): Pick<IClientOptions, 'log'> => (env['DEBUG'] === undefined || env['DEBUG'] === '' ? { log: quiet } : {});

/** Connects; plain TCP and TLS without the WebSocket and SOCKS transports MQTT.js would load (./plain-connect.ts). */
export const connectClient = (url: string, options: IClientOptions, env: NodeJS.ProcessEnv = process.env): MqttClient => {
  const withLog = { ...mqttLog(env), ...options };
  return connectPlain(url, withLog, env) ?? mqtt.connect(url, withLog);
};
