import type * as Aedes from 'aedes';
import { createServer, type Server } from 'node:net';
import { brokerAccess, type BrokerAccess, type ServiceCredentials } from './broker-access';

export interface EmbeddedBroker {
  readonly url: string;
  /** What the service's own client must connect with (only with `access`). */
  readonly credentials?: ServiceCredentials;
  close(): Promise<void>;
}

/**
 * Starts the in-process broker (aedes) on host:port. Bound to 127.0.0.1 by
 * default: an open broker on the LAN would let anyone switch the outputs.
 */
export const startEmbeddedBroker = (host: string, port: number, access?: BrokerAccess): Promise<EmbeddedBroker> =>
  new Promise((resolve, reject) => {
    // Loaded here, not at the top: a service that uses an external broker never pays for aedes (~90 ms at start-up).
    // aedes is an optional dependency: a library user who installs with --omit=optional has no broker.
    let createBroker: (typeof Aedes)['createBroker'];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ({ createBroker } = require('aedes') as typeof Aedes);
    } catch {
      reject(new Error('the embedded broker needs the optional package aedes, which is not installed: run npm install aedes, or set mqtt.url to a broker'));
      return;
    }
    const hooks = access === undefined ? undefined : brokerAccess(access);
    const aedes = createBroker(
      hooks === undefined ? {} : { authenticate: hooks.authenticate as never, authorizePublish: hooks.authorizePublish as never },
    );
    const server: Server = createServer(aedes.handle);
    server.once('error', (e: NodeJS.ErrnoException) => {
      aedes.close();
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `cannot start the embedded broker on ${host}:${port}: the address is in use (another MQTT broker? set mqtt.port, or mqtt.url to use that broker)`
            : `cannot start the embedded broker on ${host}:${port}: ${e.message}`,
        ),
      );
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${bound}`,
        ...(hooks === undefined ? {} : { credentials: hooks.credentials }),
        close: () =>
          new Promise<void>((done) => {
            aedes.close(() => server.close(() => done()));
          }),
      });
    });
  });
