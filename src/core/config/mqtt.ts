import { isIotCoreEndpoint } from '../aws-iot';
import type { BrokerUser, MqttConfig } from '../model';
import { decodeProps } from './decode-props';
import { indexPath, keyPath, problem, show, type Problems } from './problems';
import { BrokerUser as BrokerUserCodec, type Mqtt } from './shape';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 1883;

/** Keys that only the embedded broker reads. */
const EMBEDDED_ONLY = ['host', 'port', 'users', 'allowAnonymous'] as const;

/** More would be a user database; this is a list for a few apps on one board. */
const MAX_USERS = 100;

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

const isEmbedded = (m: Mqtt): boolean => m.url === undefined || m.url === 'embedded';

/**
 * The embedded broker's users: `mqtt.users`, plus `mqtt.username` and
 * `mqtt.password` when both are given. Each entry needs both.
 */
const decodeUsers = (m: Mqtt): { readonly problems: Problems; readonly users: ReadonlyArray<BrokerUser> } => {
  const problems: string[] = [];
  const users: BrokerUser[] = [];
  if (m.username !== undefined && m.password !== undefined) users.push({ username: m.username, password: m.password });
  else if (isEmbedded(m) && (m.username !== undefined || m.password !== undefined)) {
    const missing = m.username === undefined ? 'username' : 'password';
    problems.push(problem(keyPath('mqtt', missing), 'missing: the embedded broker needs both mqtt.username and mqtt.password'));
  }
  const raw = m.users;
  if (raw === undefined || raw === null) return { problems, users };
  if (!Array.isArray(raw)) return { problems: [...problems, problem('mqtt.users', `expected a list like [{username: app, password: secret}], got ${show(raw)}`)], users };
  if (raw.length > MAX_USERS) return { problems: [...problems, problem('mqtt.users', `too many entries: ${raw.length}, at most ${MAX_USERS}`)], users };
  raw.forEach((item: unknown, i) => {
    const entry = decodeProps(BrokerUserCodec, item, indexPath('mqtt.users', i), ['username', 'password']);
    problems.push(...entry.problems);
    if (entry.value.username !== undefined && entry.value.password !== undefined) {
      users.push({ username: entry.value.username, password: entry.value.password });
    }
  });
  return { problems, users };
};

/**
 * The embedded broker's keys are silently unused with a URL, so they are
 * reported: the URL carries its own host and port. The embedded broker itself
 * is never open to the network by accident: on anything but loopback it needs
 * users, or an explicit `allowAnonymous: true`.
 */
export const checkMqtt = (m: Mqtt): Problems => [...checkAccess(m), ...checkSession(m)];

/**
 * A persistent session needs a broker that outlives the service: the
 * embedded one starts empty with it. Queued writes only exist with one.
 */
const checkSession = (m: Mqtt): Problems => [
  ...(m.persistentSession === true && isEmbedded(m)
    ? [problem('mqtt.persistentSession', 'only used with a broker url: the embedded broker starts and stops with the service, so nothing can wait in it')]
    : []),
  ...(m.queuedWrites !== undefined && m.persistentSession !== true ? [problem('mqtt.queuedWrites', 'only used with persistentSession: true')] : []),
  ...(m.persistentSession === true && m.qos === 0
    ? [problem('mqtt.qos', 'must be 1 with persistentSession: true: a broker queues nothing for a QoS 0 subscription')]
    : []),
];

const checkAccess = (m: Mqtt): Problems => {
  if (!isEmbedded(m)) {
    return EMBEDDED_ONLY.filter((key) => m[key] !== undefined && m[key] !== null).map((key) =>
      problem(keyPath('mqtt', key), key === 'host' || key === 'port' ? `only used with url: embedded; put the ${key} in the url` : 'only used with url: embedded'),
    );
  }
  const decoded = decodeUsers(m);
  const users = decoded.users;
  const problems = [...decoded.problems];
  const host = m.host ?? DEFAULT_HOST;
  if (host.trim() === '') {
    return [...problems, problem('mqtt.host', 'must not be empty: give the address to listen on, 127.0.0.1 for this machine only (an empty host listens on every interface)')];
  }
  if (users.length > 0 && m.allowAnonymous === true) {
    problems.push(problem('mqtt.allowAnonymous', 'cannot be true with mqtt.username/password or mqtt.users: those credentials are enforced'));
  }
  if (!isLoopback(host) && users.length === 0 && m.allowAnonymous !== true && problems.length === 0) {
    problems.push(
      problem(
        'mqtt.host',
        `${JSON.stringify(host)} is reachable from other machines, and anyone who can connect can switch the outputs: set mqtt.username and mqtt.password (or mqtt.users), or mqtt.allowAnonymous: true to accept that`,
      ),
    );
  }
  return problems;
};

/**
 * The MQTT settings with their defaults. The client id defaults to one per
 * thing, so two things on one broker never kick each other off. States are
 * retained by default with Home Assistant discovery (`retainByDefault`), so
 * entities show their level, not "unknown", after Home Assistant restarts.
 */
export const mqttConfig = (m: Mqtt, thingName: string, retainByDefault = false): MqttConfig => ({
  broker:
    m.url === undefined || m.url === 'embedded'
      ? {
          kind: 'embedded',
          host: m.host ?? DEFAULT_HOST,
          port: m.port ?? DEFAULT_PORT,
          users: decodeUsers(m).users,
          allowAnonymous: m.allowAnonymous ?? false,
        }
      : { kind: 'url', url: m.url },
  clientId: m.clientId ?? `rpi-gpio-connector-${thingName}`,
  ...(m.username === undefined ? {} : { username: m.username }),
  ...(m.password === undefined ? {} : { password: m.password }),
  ...(m.ca === undefined ? {} : { ca: m.ca }),
  ...(m.cert === undefined ? {} : { cert: m.cert }),
  ...(m.key === undefined ? {} : { key: m.key }),
  qos: m.qos ?? 1,
  retainState: m.retainState ?? retainByDefault,
  acceptRetainedWrites: m.acceptRetainedWrites ?? false,
  ...(m.protocolVersion === undefined ? {} : { protocolVersion: m.protocolVersion }),
  ...(m.alpn === undefined ? {} : { alpn: m.alpn }),
  acceptRetainedRequests: m.acceptRetainedRequests ?? false,
  persistentSession: m.persistentSession ?? false,
  queuedWrites: m.queuedWrites ?? 'apply',
  ...(m.snapshot ?? !isIotCoreUrl(m.url) ? {} : { snapshot: false }),
});

/**
 * An AWS IoT Core data endpoint: there the snapshot is off unless the config
 * sets `mqtt.snapshot: true`. IoT Core closes the connection of a client
 * that publishes outside its policy, and a policy written before the
 * snapshot existed lacks `gpio/<thing>/pins`: on by default, an upgrade would
 * lose its connection at every start.
 */
const isIotCoreUrl = (url: string | undefined): boolean => {
  if (url === undefined || url === 'embedded') return false;
  try {
    return isIotCoreEndpoint(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** Where the embedded broker listens, or nothing with a broker URL: other listeners must not take its port. */
export const embeddedListener = (m: Mqtt): { readonly host: string; readonly port: number } | undefined =>
  isEmbedded(m) ? { host: m.host ?? DEFAULT_HOST, port: m.port ?? DEFAULT_PORT } : undefined;

/** The embedded broker (aedes) speaks MQTT 3.1.1 only: MQTT 5 there would be refused at every start. */
export const checkProtocolVersion = (m: Mqtt): Problems =>
  m.protocolVersion === 5 && isEmbedded(m)
    ? [problem(keyPath('mqtt', 'protocolVersion'), 'MQTT 5 needs an external broker (mqtt.url): the embedded broker speaks MQTT 3.1.1 only')]
    : [];
