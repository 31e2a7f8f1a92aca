import fc from 'fast-check';
import { backoffMs, classifyFailure, closedBeforeAccepting, isStartupFailure, MAX_BACKOFF_MS } from '../../src/core/broker-failures';

describe('classifyFailure', () => {
  it.each([
    [4, 'refused', /rejected the user name or password/],
    [134, 'refused', /rejected the user name or password/],
    [5, 'refused', /does not authorise/],
    [135, 'refused', /does not authorise/],
    [2, 'refused', /client id/],
    [3, 'busy', /unavailable/],
    [137, 'busy', /busy/],
    [250, 'refused', /reason code 250/],
  ])('CONNACK code %p is %p', (code, kind, reason) => {
    const f = classifyFailure({ code, message: `Connection refused: ${code}` });
    expect(f.kind).toBe(kind);
    expect(f.reason).toMatch(reason);
  });

  it.each([
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'x:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:\n../rec_layer_s3.c', 'the broker requires a client certificate'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', 'does not trust the CA that signed the client certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', 'not signed by a CA this service trusts'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', 'not signed by a CA this service trusts'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", 'not for this host name'],
    ['CERT_HAS_EXPIRED', 'certificate has expired', 'has expired'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', 'does not speak TLS'],
    ['ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 'tlsv1 alert no application protocol', 'x-amzn-mqtt-ca'],
    ['ERR_SSL_SOMETHING_NEW', 'ssl routines: something', 'the TLS handshake failed'],
  ])('TLS %s gets a plain sentence next to the raw text', (code, message, sentence) => {
    const f = classifyFailure({ code, message });
    expect(f.kind).toBe('tls');
    expect(f.reason).toContain(sentence);
    expect(f.detail).not.toMatch(/\n/);
    expect(isStartupFailure(f)).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT'])('%s is a network failure, not a start-up failure', (code) => {
    const f = classifyFailure({ code, message: code });
    expect(f.kind).toBe('network');
    expect(isStartupFailure(f)).toBe(false);
  });

  it.each(['ECONNRESET', 'EPIPE'])('%s during a TLS handshake is a TLS failure: the port may not speak TLS', (code) => {
    const f = classifyFailure({ code, message: `read ${code}` }, true);
    expect(f).toEqual({ kind: 'tls', reason: expect.stringContaining('closed the connection during the TLS handshake') as string, detail: `read ${code}` });
    expect(isStartupFailure(f)).toBe(true);
  });

  it("takes Node.js's own words for a close during the handshake as a TLS failure", () => {
    const f = classifyFailure({ code: 'ECONNRESET', message: 'Client network socket disconnected before secure TLS connection was established' });
    expect(f.kind).toBe('tls');
    expect(f.reason).toMatch(/during the TLS handshake.*plain/);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT'])('%s stays a network failure even before a TLS handshake (no connection to shake hands on)', (code) => {
    expect(classifyFailure({ code, message: code }, true).kind).toBe('network');
  });

  it('a close without an error is a TLS failure during the handshake, and a network one after it (AWS IoT Core without ALPN)', () => {
    expect(closedBeforeAccepting(true, true).kind).toBe('tls');
    expect(closedBeforeAccepting(true, false)).toMatchObject({ kind: 'network', reason: expect.stringContaining('x-amzn-mqtt-ca') as string });
    expect(closedBeforeAccepting(false).kind).toBe('network');
  });

  it('takes a connack timeout for a network failure', () => {
    expect(classifyFailure({ message: 'connack timeout' }).kind).toBe('network');
  });
});

describe('backoffMs', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('never shrinks and never passes the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => backoffMs(n) <= backoffMs(n + 1) && backoffMs(n + 1) <= MAX_BACKOFF_MS),
    );
  });
});
