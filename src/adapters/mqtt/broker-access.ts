import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { BrokerUser } from '../../core/model';
import { errorTopic, pinsTopic, statusTopic } from '../../core/topics';

/** What the embedded broker enforces, from the config. */
export interface BrokerAccess {
  readonly thing: string;
  /** The service's own client id: no one else may connect under it. */
  readonly serviceClientId: string;
  readonly users: ReadonlyArray<BrokerUser>;
}

/** The credentials the service's own client connects with: fresh every run, never logged. */
export interface ServiceCredentials {
  readonly username: string;
  readonly password: string;
}

/** A client as aedes hands it to the hooks: its id is all we read. */
interface Client {
  readonly id: string;
}

/** MQTT 3.1.1 CONNACK codes aedes sends when authenticate fails with `returnCode`. */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;

const refused = (message: string, returnCode: number): Error => Object.assign(new Error(message), { returnCode });

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // Compared in constant time; a length mismatch is compared against itself so it costs the same.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
};

/**
 * The embedded broker's authentication and authorisation hooks (aedes'
 * `authenticate` and `authorizePublish`):
 *
 * - the service itself connects with credentials made fresh for this run,
 *   under its own client id, which no other client may take;
 * - with users configured, every other client must present one of them;
 *   without, anyone may connect (the config only allows that on loopback,
 *   or with `mqtt.allowAnonymous: true`);
 * - only the service may publish its own `status`, `error`, `pins` and
 *   `state` and `pwm/state` topics, will messages included: nobody can mark it offline or
 *   fake a level.
 */
export const brokerAccess = (access: BrokerAccess) => {
  const credentials: ServiceCredentials = {
    username: 'rpi-gpio-connector',
    password: randomBytes(32).toString('base64url'),
  };
  const service = new WeakSet<object>();
  const status = statusTopic(access.thing);
  const errors = errorTopic(access.thing);
  const pins = pinsTopic(access.thing);
  const statePrefix = `gpio/${access.thing}/`;
  const pwmState = '/pwm/state';
  const isServiceTopic = (topic: string): boolean =>
    topic === status ||
    topic === errors ||
    topic === pins ||
    (topic.startsWith(statePrefix) && topic.endsWith('/state') && topic.indexOf('/', statePrefix.length) === topic.length - '/state'.length) ||
    (topic.startsWith(statePrefix) && topic.endsWith(pwmState) && topic.indexOf('/', statePrefix.length) === topic.length - pwmState.length);

  const authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, done: (err: Error | null, ok: boolean) => void): void => {
    const pass = password?.toString('utf8');
    const isService = username === credentials.username && pass !== undefined && same(pass, credentials.password);
    if (client.id === access.serviceClientId) {
      if (isService) {
        service.add(client);
        return done(null, true);
      }
      return done(refused(`client id ${client.id} is the service's own`, IDENTIFIER_REJECTED), false);
    }
    if (access.users.length === 0) return done(null, true);
    const ok = username !== undefined && pass !== undefined && access.users.some((u) => same(u.username, username) && same(u.password, pass));
    return ok ? done(null, true) : done(refused('bad user name or password', BAD_USERNAME_OR_PASSWORD), false);
  };

  const authorizePublish = (client: Client | null, packet: { topic: string }, done: (err?: Error | null) => void): void => {
    // A null client is the broker publishing by itself (a will after a restart): only the service's can be on these topics.
    if (isServiceTopic(packet.topic) && (client === null || !service.has(client))) {
      return done(new Error(`${packet.topic} is published by the service only`));
    }
    done(null);
  };

  return { credentials, authenticate, authorizePublish };
};
