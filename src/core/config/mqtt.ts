import type { MqttConfig } from '../model';
import { keyPath, problem, type Problems } from './problems';
import type { Mqtt } from './shape';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 1883;

/**
 * `host` and `port` set up the embedded broker; with a URL they would be
 * silently unused, so they are reported: the URL carries its own.
 */
export const checkMqtt = (m: Mqtt): Problems =>
  m.url === undefined || m.url === 'embedded'
    ? []
    : (['host', 'port'] as const)
        .filter((key) => m[key] !== undefined)
        .map((key) => problem(keyPath('mqtt', key), `only used with url: embedded; put the ${key} in the url`));

/**
 * The MQTT settings with their defaults. The client id defaults to one per
 * thing, so two things on one broker never kick each other off.
 */
export const mqttConfig = (m: Mqtt, thingName: string): MqttConfig => ({
  broker:
    m.url === undefined || m.url === 'embedded'
      ? { kind: 'embedded', host: m.host ?? DEFAULT_HOST, port: m.port ?? DEFAULT_PORT }
      : { kind: 'url', url: m.url },
  clientId: m.clientId ?? `rpi-gpio-connector-${thingName}`,
  ...(m.username === undefined ? {} : { username: m.username }),
  ...(m.password === undefined ? {} : { password: m.password }),
  ...(m.ca === undefined ? {} : { ca: m.ca }),
  ...(m.cert === undefined ? {} : { cert: m.cert }),
  ...(m.key === undefined ? {} : { key: m.key }),
  qos: m.qos ?? 1,
  retainState: m.retainState ?? false,
  acceptRetainedWrites: m.acceptRetainedWrites ?? false,
  acceptRetainedRequests: m.acceptRetainedRequests ?? false,
});
