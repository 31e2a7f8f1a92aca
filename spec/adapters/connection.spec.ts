import type * as Aedes from 'aedes';
import mqtt from 'mqtt';
import { createServer } from 'node:net';
import { createLogger } from '../../src/adapters/log/logger';
import { watchConnection } from '../../src/adapters/mqtt/connection';
import { cleanupAll, Order, sleep, track } from '../support/cleanup';

// The connection watcher on a real MQTT.js client against an in-process aedes
// whose authentication the test switches: accept, refuse with alternating
// reasons, accept again. The backoff is shortened (deps.backoff) so the test
// needs no 15 s; the real schedule is core/broker-failures' backoffMs.
jest.setTimeout(30_000);
afterEach(cleanupAll);

type Mode = 'accept' | 'alternate';

async function startBroker(): Promise<{ url: string; setMode(m: Mode): void; refusals(): number; kickAll(): void }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createBroker } = require('aedes') as typeof Aedes;
  let mode: Mode = 'accept';
  let refused = 0;
  const aedes = createBroker({
    authenticate: (_client, _user, _password, done) => {
      if (mode === 'accept') return done(null, true);
      refused += 1;
      // 4: bad user name or password; 5: not authorised. Alternating, try after try.
      const err = Object.assign(new Error('refused'), { returnCode: refused % 2 === 0 ? 4 : 5 }) as Aedes.AuthenticateError;
      return done(err, null);
    },
  });
  const server = createServer(aedes.handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const handle = {
    url: `mqtt://127.0.0.1:${port}`,
    setMode: (m: Mode) => (mode = m),
    refusals: () => refused,
    kickAll: () => {
      for (const c of Object.values((aedes as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close();
    },
  };
  track(handle, Order.Broker, () => new Promise<void>((done) => aedes.close(() => server.close(() => done()))));
  return handle;
}

describe('watchConnection', () => {
  it('logs each reason of an outage once, however many tries, and the end with the count of tries', async () => {
    const broker = await startBroker();
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const client = mqtt.connect(broker.url, { clientId: 'watched', reconnectPeriod: 1000, reconnectOnConnackError: true });
    const fatal: string[] = [];
    const watcher = watchConnection(client, { broker: broker.url, log, tls: false, onStartupFailure: (m) => fatal.push(m), backoff: () => 50 });
    track(client, Order.Client, async () => {
      watcher.stop();
      await client.endAsync(true);
    });
    await new Promise<void>((ok) => client.once('connect', () => ok()));

    broker.setMode('alternate');
    broker.kickAll();
    while (broker.refusals() < 8) await sleep(20);
    broker.setMode('accept');
    await new Promise<void>((ok) => client.once('connect', () => ok()));

    const warns = lines.filter((l) => l['level'] === 'warn').map((l) => String(l['msg']));
    expect(warns).toEqual([
      'broker connection lost; reconnecting every second',
      expect.stringMatching(/^broker connection failing: the broker (does not authorise this client|rejected the user name or password)/),
      expect.stringMatching(/^broker connection failing: the broker (does not authorise this client|rejected the user name or password)/),
    ]);
    expect(new Set(warns.slice(1)).size).toBe(2);
    const back = lines.filter((l) => l['msg'] === 'broker connection back');
    expect(back).toHaveLength(1);
    expect(back[0]?.['tries']).toBeGreaterThanOrEqual(8);
    expect(fatal).toEqual([]);
  });

  it('calls a refusal before the first connection a start-up failure, once', async () => {
    const broker = await startBroker();
    broker.setMode('alternate');
    const log = createLogger({ write: () => undefined });
    const client = mqtt.connect(broker.url, { clientId: 'refused', reconnectPeriod: 1000, reconnectOnConnackError: true });
    const fatal: string[] = [];
    const watcher = watchConnection(client, { broker: broker.url, log, tls: false, onStartupFailure: (m) => fatal.push(m) });
    track(client, Order.Client, async () => {
      watcher.stop();
      await client.endAsync(true);
    });
    while (fatal.length === 0) await sleep(20);
    await sleep(200);
    expect(fatal).toEqual([`cannot connect to the broker ${broker.url}: the broker does not authorise this client: a wrong user name or password, or an ACL or policy that refuses this client (see mqtt.username, mqtt.password, mqtt.cert) (Connection refused: Not authorized)`]);
  });
});
