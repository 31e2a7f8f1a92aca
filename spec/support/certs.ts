import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Order, track } from './cleanup';

export interface Pki {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly ca: string;
  /** Another CA, which signed nothing here: "the wrong CA". */
  readonly otherCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A server certificate for 127.0.0.1 signed by the other CA: a broker whose certificate changed. */
  readonly otherServerCert: string;
  readonly otherServerKey: string;
  /** A client certificate signed by the other CA: one the broker does not trust. */
  readonly otherClientCert: string;
  readonly otherClientKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  if (!existsSync('/usr/bin/openssl')) throw new Error('openssl not found: apt-get install openssl (scripts/system-deps.sh does)');
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
}

function makeLeaf(dir: string, name: string, ca: string, ext: string): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', ext);
}

/** A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate, in a temp dir removed after the test. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-pki-'));
  const owner = {};
  track(owner, Order.Broker, async () => rmSync(dir, { recursive: true, force: true }));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  execFileSync('sh', ['-c', "printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\\n' > server.ext; printf 'extendedKeyUsage=clientAuth\\n' > client.ext"], { cwd: dir });
  makeLeaf(dir, 'server', 'ca', 'server.ext');
  makeLeaf(dir, 'client', 'ca', 'client.ext');
  makeLeaf(dir, 'other-server', 'other-ca', 'server.ext');
  makeLeaf(dir, 'other-client', 'other-ca', 'client.ext');
  const f = (name: string) => join(dir, name);
  return {
    dir,
    ca: f('ca.crt'),
    otherCa: f('other-ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    otherServerCert: f('other-server.crt'),
    otherServerKey: f('other-server.key'),
    otherClientCert: f('other-client.crt'),
    otherClientKey: f('other-client.key'),
  };
}

/** Mosquitto settings for a TLS listener with this PKI; `requireCert` makes it mutual TLS. */
export function tlsSettings(pki: Pki, requireCert: boolean): string[] {
  return [`cafile ${pki.ca}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`, ...(requireCert ? ['require_certificate true'] : [])];
}

/** A Mosquitto password file with one user, made by mosquitto_passwd. */
export function passwordFile(dir: string, name: string, user: string, password: string): string {
  const file = join(dir, name);
  execFileSync('mosquitto_passwd', ['-b', '-c', file, user, password], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}
