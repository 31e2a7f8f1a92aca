import type * as Aedes from 'aedes';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { Order, track } from './cleanup';
import type { Pki } from './certs';

export interface AlpnBroker {
  readonly port: number;
  /** TLS connections closed for offering no (or another) ALPN protocol. */
  readonly refused: number;
  /** TLS connections handed to the broker, with the protocol they negotiated. */
  readonly accepted: ReadonlyArray<string>;
}

/**
 * A local stand-in for AWS IoT Core on port 443: mutual TLS (client
 * certificate required) and MQTT only for a connection that negotiated the
 * ALPN protocol `protocol`; any other is closed right after the handshake,
 * as IoT Core does. The broker behind it is aedes, in this process.
 */
export async function startAlpnBroker(pki: Pki, protocol = 'x-amzn-mqtt-ca'): Promise<AlpnBroker> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createBroker } = require('aedes') as typeof Aedes;
  const aedes = createBroker();
  const state = { refused: 0, accepted: [] as string[] };
  const server: Server = createServer(
    {
      ca: readFileSync(pki.ca),
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: [protocol],
    },
    (socket: TLSSocket) => {
      if (socket.alpnProtocol !== protocol) {
        state.refused += 1;
        socket.destroy();
        return;
      }
      state.accepted.push(socket.alpnProtocol);
      aedes.handle(socket);
    },
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const owner = {};
  track(owner, Order.Broker, () => new Promise<void>((done) => aedes.close(() => server.close(() => done()))));
  return {
    port,
    get refused() {
      return state.refused;
    },
    get accepted() {
      return state.accepted;
    },
  };
}
