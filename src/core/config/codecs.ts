import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { forbiddenCharacter, utf8Bytes } from './mqtt-string';
import { show } from './problems';

/**
 * The scalar codecs of the config. Each has a name written for people, since
 * the reporter prints "expected <name>, got <value>"; a codec that needs a
 * more precise message (a range) gives the whole message itself.
 */

/** Left `undefined` means "expected <name>"; a Left string is the full message. */
type Decide<A> = (u: unknown) => E.Either<string | undefined, A>;

const codec = <A>(name: string, is: t.Is<A>, decide: Decide<A>): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(
    name,
    is,
    (u, c) => {
      const r = decide(u);
      return E.isRight(r) ? t.success(r.right) : t.failure(u, c, r.left);
    },
    t.identity,
  );

const isInteger = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u);

/** YAML users quote numbers now and then (`port: "1883"`): a digit string is an integer too. */
const toInteger = (u: unknown): number | undefined => {
  const n = typeof u === 'string' && /^-?[0-9]+$/.test(u) ? Number(u) : u;
  // `+ 0` turns -0 into 0, which a person would call the same pin.
  return isInteger(n) ? n + 0 : undefined;
};

/**
 * A number too large (or small) for any setting, infinity included, is said
 * to be so: "expected integer, got .inf" leaves the user guessing.
 */
const outOfScale = (u: unknown, expected: string): string | undefined => {
  const n = typeof u === 'string' && /^-?[0-9]+$/.test(u) ? Number(u) : u;
  if (typeof n !== 'number' || Number.isNaN(n) || Math.abs(n) <= Number.MAX_SAFE_INTEGER) return undefined;
  return `${n > 0 ? 'too large' : 'too small'}: expected ${expected}, got ${show(u)}`;
};

/** An integer, as a number or a digit string. */
export const integer = codec<number>('integer', isInteger, (u) => {
  const n = toInteger(u);
  return n === undefined ? E.left(outOfScale(u, 'integer')) : E.right(n);
});

/** An integer in `min..max`; a non-integer gets the plain "expected integer" message. */
export const integerIn = (min: number, max: number): t.Type<number, number, unknown> =>
  codec<number>(`an integer ${min}-${max}`, (u): u is number => isInteger(u) && u >= min && u <= max, (u) => {
    const n = toInteger(u);
    if (n === undefined) return E.left(outOfScale(u, `an integer ${min}-${max}`) ?? `expected integer, got ${show(u)}`);
    return n < min || n > max ? E.left(undefined) : E.right(n);
  });

/** One of a few words: `expected one of auto, sim, libgpiod, got "gpiod"`. */
export const oneOf = <V extends string>(values: ReadonlyArray<V>): t.Type<V, V, unknown> => {
  const is = (u: unknown): u is V => typeof u === 'string' && (values as ReadonlyArray<string>).includes(u);
  return codec<V>(`one of ${values.join(', ')}`, is, (u) => (is(u) ? E.right(u) : E.left(undefined)));
};

/** MQTT QoS 2 is not offered: the GPIO state is idempotent, QoS 1 is enough. */
export const qos = codec<0 | 1>('0 or 1', (u): u is 0 | 1 => u === 0 || u === 1, (u) =>
  u === 0 || u === 1 ? E.right(u) : E.left(undefined),
);

/**
 * A string sent in an MQTT packet (client id, user name): at most `maxBytes`
 * of UTF-8, and no character brokers refuse.
 */
export const mqttText = (maxBytes: number) =>
  codec<string>('string', t.string.is, (u) => {
    if (typeof u !== 'string') return E.left(undefined);
    const bytes = utf8Bytes(u);
    if (bytes > maxBytes) return E.left(`too long: ${bytes} bytes, at most ${maxBytes} (UTF-8)`);
    const bad = forbiddenCharacter(u);
    if (bad !== undefined) return E.left(`must not contain ${bad} (control characters and non-characters are refused by MQTT brokers), got ${show(u)}`);
    return E.right(u);
  });

/** A string whose value never reaches an error line (a password). */
export const secret = codec<string>('string', t.string.is, (u) =>
  typeof u === 'string' ? E.right(u) : E.left(`expected string, got ${u === null ? 'null' : `a ${Array.isArray(u) ? 'list' : typeof u}`}`),
);

/** Node.js timers run at most 2^31-1 ms; a longer period would silently become 1 ms. */
const MAX_TIMER_MS = 2147483647;
export const DEFAULT_POLL_PERIOD_MS = 50;

/**
 * `InputPollPeriod`: Greengrass typed it as a string (`^$|^[1-9][0-9]*$`) but
 * its own CLI example passes the number 50, so both are taken. `""` is the default.
 */
export const pollPeriod = codec<number>('an integer >= 1 (milliseconds)', isInteger, (u) => {
  if (u === '') return E.right(DEFAULT_POLL_PERIOD_MS);
  const n = typeof u === 'string' && /^[1-9][0-9]*$/.test(u) ? Number(u) : u;
  // Checked first: infinity (YAML 1e309) is too large, not "not an integer".
  if (typeof n === 'number' && n > MAX_TIMER_MS) {
    return E.left(`too large: expected at most ${MAX_TIMER_MS} (milliseconds, the longest Node.js timer), got ${show(u)}`);
  }
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return E.left(undefined);
  return E.right(n);
});

/** `gpio.chip`: kept as a string; the driver tells a number, a name and a label apart. */
export const chip = codec<string>('"auto", a chip name or label (gpiochip0), or a chip number', t.string.is, (u) => {
  if (typeof u === 'string') return u.trim() === '' ? E.left(undefined) : E.right(u);
  return isInteger(u) && u >= 0 ? E.right(String(u)) : E.left(undefined);
});

const BROKER_URL = /^(mqtt|mqtts|ws|wss):\/\/[^/?#]/i;

/** Credentials in a URL are never echoed back: `mqtt://user:***@host`. */
const redact = (u: unknown): unknown => (typeof u === 'string' ? u.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:***@') : u);

/** `mqtt.url`: `embedded`, or the URL of a broker the mqtt client can dial. */
export const brokerUrl = codec<string>(
  '"embedded" or a URL starting mqtt://, mqtts://, ws:// or wss://',
  t.string.is,
  (u) => {
    if (u === 'embedded') return E.right(u);
    if (typeof u === 'string' && BROKER_URL.test(u) && URL.canParse(u)) return E.right(u);
    return E.left(`expected "embedded" or a URL starting mqtt://, mqtts://, ws:// or wss://, got ${show(redact(u))}`);
  },
);
