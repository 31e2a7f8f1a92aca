/**
 * Why a broker connection failed, in words for people: MQTT CONNACK refusals
 * and TLS (OpenSSL) errors get a plain sentence next to the raw text. Pure:
 * it only reads an error's code and message.
 */

/**
 * `refused`: the broker said no to this client (credentials, authorisation,
 * client id): a start-up failure. `tls`: the TLS handshake failed (a
 * certificate, a CA, ALPN, a port that does not speak TLS): also a start-up
 * failure. `busy`: the broker is up but not taking clients now. `network`: it
 * could not be reached.
 */
export type FailureKind = 'refused' | 'tls' | 'busy' | 'network';

export interface Failure {
  readonly kind: FailureKind;
  /** A plain sentence. */
  readonly reason: string;
  /** The library's or OpenSSL's own text. */
  readonly detail: string;
}

/** CONNACK return codes: MQTT 3.1.1 (1-5) and MQTT 5 reason codes (128 and up) do not overlap. */
const CONNACK: Readonly<Record<number, readonly [FailureKind, string]>> = {
  1: ['refused', 'the broker does not accept this MQTT protocol version (see mqtt.protocolVersion)'],
  2: ['refused', 'the broker rejected the client id (see mqtt.clientId)'],
  3: ['busy', 'the broker is unavailable'],
  4: ['refused', 'the broker rejected the user name or password (see mqtt.username and mqtt.password)'],
  // Mosquitto 2 answers a wrong password with this code too.
  5: ['refused', 'the broker does not authorise this client: a wrong user name or password, or an ACL or policy that refuses this client (see mqtt.username, mqtt.password, mqtt.cert)'],
  128: ['refused', 'the broker refused the connection without a reason'],
  129: ['refused', 'the broker found the CONNECT packet malformed'],
  130: ['refused', 'the broker reported a protocol error'],
  131: ['refused', 'the broker refused the connection for an implementation-specific reason'],
  132: ['refused', 'the broker does not accept this MQTT protocol version (see mqtt.protocolVersion)'],
  133: ['refused', 'the broker rejected the client id (see mqtt.clientId)'],
  134: ['refused', 'the broker rejected the user name or password (see mqtt.username and mqtt.password)'],
  135: ['refused', 'the broker does not authorise this client: a wrong user name or password, or an ACL or policy that refuses this client (see mqtt.username, mqtt.password, mqtt.cert)'],
  136: ['busy', 'the broker is unavailable'],
  137: ['busy', 'the broker is busy'],
  138: ['refused', 'the broker has banned this client'],
  140: ['refused', 'the broker does not accept this authentication method'],
  144: ['refused', 'the broker refused the last-will topic (gpio/<thing>/status): check its ACL or policy'],
  149: ['refused', 'the broker refused a packet as too large'],
  151: ['busy', 'the broker is over a quota for this client'],
  153: ['refused', 'the broker refused the last-will payload format'],
  154: ['refused', 'the broker does not support retained messages, which the last will uses'],
  155: ['refused', 'the broker does not support the QoS of the last will (see mqtt.qos)'],
  156: ['busy', 'the broker told this client to use another server'],
  157: ['busy', 'the broker has moved'],
  159: ['busy', 'the broker is limiting the connection rate'],
};

/** OpenSSL and Node.js TLS texts, matched on the code or the message. */
const TLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/CERTIFICATE_REQUIRED|certificate required/i, 'the broker requires a client certificate (set mqtt.cert and mqtt.key)'],
  [/UNKNOWN_CA|unknown ca/i, 'the broker does not trust the CA that signed the client certificate (mqtt.cert)'],
  [/BAD_CERTIFICATE|bad certificate|CERTIFICATE_UNKNOWN|certificate unknown/i, 'the broker rejected the client certificate (mqtt.cert)'],
  [/CERTIFICATE_REVOKED|certificate revoked/i, 'the broker says the client certificate is revoked'],
  [/CERTIFICATE_EXPIRED|certificate expired/i, 'the broker says the client certificate has expired'],
  [/SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|self[- ]signed certificate|unable to verify|unable to get (local )?issuer/i, "the broker's certificate is not signed by a CA this service trusts (check mqtt.ca)"],
  [/CERT_HAS_EXPIRED|certificate has expired/i, "the broker's certificate has expired"],
  [/CERT_NOT_YET_VALID|not yet valid/i, "the broker's certificate is not valid yet (check this machine's clock)"],
  [/ERR_TLS_CERT_ALTNAME_INVALID|altnames|does not match certificate/i, "the broker's certificate is not for this host name (use the name its certificate carries in mqtt.url)"],
  [/NO_APPLICATION_PROTOCOL|no application protocol/i, 'the broker requires a TLS ALPN protocol this service did not offer (AWS IoT Core on port 443: x-amzn-mqtt-ca, see mqtt.alpn)'],
  [/WRONG_VERSION_NUMBER|wrong version number|packet length too long/i, 'the port does not speak TLS (an mqtts:// or wss:// URL to a plain port?)'],
  [/KEY_VALUES_MISMATCH|key values mismatch/i, 'the client key (mqtt.key) does not belong to the client certificate (mqtt.cert)'],
  [/^ERR_SSL_|^ERR_TLS_|EPROTO|ssl|tls|handshake|certificate/i, 'the TLS handshake failed'],
];

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens on that port (is the broker running?)',
  ECONNRESET: 'the broker closed the connection',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS not reachable)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection broke',
};

/**
 * A TCP connection that the other end closes or resets after our ClientHello
 * and before the handshake completes: what a plain MQTT port does (Mosquitto
 * resets, aedes closes), and any plain server that takes the ClientHello for
 * garbage. Node.js says "Client network socket disconnected before secure TLS
 * connection was established" when it sees the close itself.
 */
const CLOSED_IN_HANDSHAKE = 'the broker closed the connection during the TLS handshake: is the port a plain (non-TLS) one? mqtts:// needs a TLS port (8883 by convention), mqtt:// a plain one (1883)';
/** Error codes of a connection that ended; during the handshake they mean {@link CLOSED_IN_HANDSHAKE}. */
const ENDED = new Set(['ECONNRESET', 'EPIPE']);

/**
 * What went wrong with a connection attempt, from the error the MQTT client
 * emitted. `inTlsHandshake`: the connection was a TLS one whose handshake had
 * not completed (the adapter knows; the error alone does not say).
 */
export const classifyFailure = (error: { readonly code?: unknown; readonly message: string }, inTlsHandshake = false): Failure => {
  // OpenSSL texts span lines; a log line and a stderr line must not.
  const detail = error.message.replace(/\s+/g, ' ').trim();
  const { code } = error;
  if (typeof code === 'number') {
    const known = CONNACK[code];
    return known === undefined ? { kind: 'refused', reason: `the broker refused the connection (reason code ${code})`, detail } : { kind: known[0], reason: known[1], detail };
  }
  const codeText = typeof code === 'string' ? code : '';
  if ((inTlsHandshake && ENDED.has(codeText)) || /before secure TLS connection was established/i.test(detail)) {
    return { kind: 'tls', reason: CLOSED_IN_HANDSHAKE, detail };
  }
  const network = NETWORK[codeText];
  if (network !== undefined) return { kind: 'network', reason: network, detail };
  if (/connack timeout/i.test(detail)) return { kind: 'network', reason: 'the broker did not answer the connection request in time', detail };
  for (const [re, reason] of TLS) {
    if (re.test(codeText) || re.test(detail)) return { kind: 'tls', reason, detail };
  }
  return { kind: 'network', reason: 'the connection failed', detail };
};

/**
 * The broker closed the connection with no error and no CONNACK. Over TLS,
 * after the handshake, this is what AWS IoT Core on port 443 does to a client
 * without the ALPN protocol x-amzn-mqtt-ca; during the handshake, it is a TLS
 * failure.
 */
export const closedBeforeAccepting = (tls: boolean, inTlsHandshake = false): Failure =>
  inTlsHandshake
    ? { kind: 'tls', reason: CLOSED_IN_HANDSHAKE, detail: 'connection closed during the TLS handshake' }
    : {
        kind: 'network',
        reason: tls
          ? 'the broker closed the connection before accepting it (AWS IoT Core on port 443 does so without the ALPN protocol x-amzn-mqtt-ca: see mqtt.alpn)'
          : 'the broker closed the connection before accepting it',
        detail: 'connection closed without CONNACK',
      };

/** Refusals and TLS failures keep failing until someone changes something: not worth a try a second. */
export const RETRY_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;

/** The wait before the next try after `failures` refusals in a row: 1 s, 2 s, 4 s, ... 30 s. */
export const backoffMs = (failures: number): number =>
  Math.min(MAX_BACKOFF_MS, RETRY_MS * 2 ** Math.max(0, Math.min(failures - 1, 30)));

/** Whether a failure before the first connection should stop the service (exit 1) rather than wait. */
export const isStartupFailure = (f: Failure): boolean => f.kind === 'refused' || f.kind === 'tls';
