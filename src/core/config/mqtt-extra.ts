import * as t from 'io-ts';
import { show } from './problems';

/** `mqtt.protocolVersion`: 4 is MQTT 3.1.1 (the default), 5 is MQTT 5. */
export const protocolVersion = new t.Type<4 | 5, 4 | 5, unknown>(
  '4 (MQTT 3.1.1) or 5 (MQTT 5)',
  (u): u is 4 | 5 => u === 4 || u === 5,
  (u, c) => (u === 4 || u === 5 ? t.success(u) : u === '4' || u === '5' ? t.success(Number(u) as 4 | 5) : t.failure(u, c)),
  t.identity,
);

/** One TLS ALPN protocol name: printable ASCII, 1-255 bytes (RFC 7301). */
const isProtocolName = (u: unknown): u is string => typeof u === 'string' && /^[\x21-\x7e]{1,255}$/.test(u);

/** `mqtt.alpn`: one protocol name or a list of them; `[]` offers none. */
export const alpn = new t.Type<ReadonlyArray<string>, ReadonlyArray<string>, unknown>(
  'an ALPN protocol name like x-amzn-mqtt-ca, or a list of them',
  (u): u is ReadonlyArray<string> => Array.isArray(u) && u.every(isProtocolName),
  (u, c) => {
    if (isProtocolName(u)) return t.success([u]);
    if (Array.isArray(u) && u.every(isProtocolName)) return t.success(u);
    return t.failure(u, c, `expected an ALPN protocol name like x-amzn-mqtt-ca, or a list of them, got ${show(u)}`);
  },
  t.identity,
);
