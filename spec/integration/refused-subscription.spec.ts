import type * as Aedes from 'aedes';
import { createServer, type Server } from 'node:net';
import { TestClient } from '../support/client';
import { cleanupAll, Order, track } from '../support/cleanup';
import { brokerConfig, request } from '../support/config';
import { Service } from '../support/service';

// A broker whose ACL refuses one of the service's subscriptions (AWS IoT
// Core with a policy written for the Greengrass connector refuses the
// pulse filter with a SUBACK failure): the service names it in a warning
// and answers everything else. Mosquitto 2.0 grants a denied subscription
// and only withholds its messages, so the broker here is aedes, whose
// authorizeSubscribe refuses the way IoT Core does.
jest.setTimeout(30_000);
afterEach(cleanupAll);

const startRefusingBroker = async (refuse: (topic: string) => boolean): Promise<{ port: number; aedes: Aedes.default }> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createBroker } = require('aedes') as typeof Aedes;
  const aedes = createBroker({
    authorizeSubscribe: (_client, sub, done) => done(null, refuse(sub.topic) ? null : sub),
  });
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, Order.Broker, async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, aedes };
};

describe('a subscription the broker refuses', () => {
  it('is named in a warning, and everything else is answered', async () => {
    const { port, aedes } = await startRefusingBroker((topic) => topic.endsWith('/pulse'));
    const url = `mqtt://127.0.0.1:${port}`;
    const client = await TestClient.connect(url);
    await client.subscribe('gpio/t1/+/state');
    const service = await Service.start(brokerConfig(url));
    await service.ready();
    const refused = await service.waitForLog((l) => String(l['msg']).startsWith('the broker refused a subscription'));
    expect(refused).toMatchObject({ level: 'warn', filter: 'gpio/t1/+/pulse' });
    // Pin 9's start-up level may still be on its way after `ready`: take it first, or it could pass for the answer.
    expect((await client.until('gpio/t1/9/state', (m) => !m.retain)).payload).toBe('0');
    expect((await request(client, 'gpio/t1/9/write', '1', 'gpio/t1/9/state')).payload).toBe('1');
    expect(service.logs.filter((l) => String(l['msg']).startsWith('the broker refused a subscription'))).toHaveLength(1);
    expect((service.logs.find((l) => l['msg'] === 'ready') as Record<string, unknown>)['subscriptions']).toEqual(['gpio/t1/+/read', 'gpio/t1/+/write', 'gpio/t1/+/simulate', 'gpio/t1/read']);

    // The connection drops; after the reconnect the granted filters are subscribed again (a clean session has none).
    const connects = service.logs.filter((l) => l['msg'] === 'connected').length;
    // aedes keeps its connected clients by id (not in its typings).
    const clients = (aedes as unknown as { clients: Record<string, { close(): void }> }).clients;
    const ours = clients['rpi-gpio-connector-t1'];
    expect(ours).toBeDefined();
    ours?.close();
    await service.waitForLog(() => service.logs.filter((l) => l['msg'] === 'connected').length > connects);
    // The resubscription may land after a request sent at once: ask again each second, for up to 10 s.
    let answer: string | undefined;
    for (let i = 0; i < 10 && answer === undefined; i++) {
      await client.publish('gpio/t1/9/write', '0');
      answer = await client.until('gpio/t1/9/state', (m) => m.payload === '0', 1_000).then((m) => m.payload, () => undefined);
    }
    expect(answer).toBe('0');
  });
});
