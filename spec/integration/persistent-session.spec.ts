import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { brokerConfig, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// Issue 11, item 5: with mqtt.persistentSession, QoS 1 requests sent while the
// service is away wait at the broker and are answered when it is back.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const COUNT = 80;

/** A requester with a persistent session of its own, so it misses no answer either. */
async function requester(broker: Mosquitto): Promise<TestClient> {
  const client = await TestClient.connect(broker.url, { clientId: 'spec-requester', clean: false });
  await client.subscribe(['gpio/t1/error', 'gpio/t1/+/state'], 1);
  return client;
}

/** `COUNT` reads of unconfigured pins: each is answered once on the error topic, naming its own topic. */
const publishReads = (client: TestClient): Promise<void[]> =>
  Promise.all(Array.from({ length: COUNT }, (_, i) => client.publish(`gpio/t1/${100 + i}/read`, '')));

async function answeredReads(client: TestClient): Promise<number> {
  const seen = new Set<string>();
  while (seen.size < COUNT) {
    const m = await client.next('gpio/t1/error', 20_000);
    const topic = String(JSON.parse(m.payload).topic);
    if (/^gpio\/t1\/1\d\d\/read$/.test(topic)) seen.add(topic);
  }
  return seen.size;
}

describe('persistent session', () => {
  it('answers every QoS 1 request sent while the service was stopped, and applies a queued write', async () => {
    const broker = await Mosquitto.start({ persistence: true });
    const config = brokerConfig(broker.url, { persistentSession: true });
    const first = await Service.start(config);
    await first.ready();
    first.kill('SIGTERM');
    expect((await first.waitForExit()).code).toBe(0);

    const client = await requester(broker);
    await publishReads(client);
    await client.publish('gpio/t1/9/write', '1');
    const second = await Service.start(config);
    expect(await answeredReads(client)).toBe(COUNT);
    await client.until('gpio/t1/9/state', (m) => m.payload === '1');
    expect(await read(client, 9)).toBe('1');
    await second.ready();
  });

  it('answers every QoS 1 request sent across a broker restart', async () => {
    const broker = await Mosquitto.start({ persistence: true });
    const service = await Service.start(brokerConfig(broker.url, { persistentSession: true }));
    await service.ready();
    const client = await requester(broker);

    // Listened for before the restart: the requester (reconnecting every 250 ms) may be back before restart() returns.
    const back = new Promise<void>((resolve) => client.mqtt.once('connect', () => resolve()));
    await broker.restart();
    // The service reconnects every second: these go out while it is likely still away.
    await back;
    await publishReads(client);
    expect(await answeredReads(client)).toBe(COUNT);
  });

  it('refuses queued writes on the error topic with queuedWrites: refuse, answers queued reads, and applies live writes', async () => {
    const broker = await Mosquitto.start({ persistence: true });
    const config = brokerConfig(broker.url, { persistentSession: true, queuedWrites: 'refuse' });
    const first = await Service.start(config);
    await first.ready();
    first.kill('SIGTERM');
    await first.waitForExit();

    const client = await requester(broker);
    await client.publish('gpio/t1/9/write', '1');
    await client.publish('gpio/t1/8/read', '');
    const second = await Service.start(config);
    const refused = JSON.parse((await client.next('gpio/t1/error')).payload);
    expect(refused).toMatchObject({ topic: 'gpio/t1/9/write', error: 'Queued write refused' });
    await client.until('gpio/t1/8/state', (m) => m.payload === '1');
    await second.ready();
    expect(await read(client, 9)).toBe('0'); // the queued write was not applied
    await client.publish('gpio/t1/9/write', '1');
    await client.until('gpio/t1/9/state', (m) => m.payload === '1'); // a live one is
  });

  it("drops a queued write once the requester's MQTT 5 message expiry has passed, and applies one still within it", async () => {
    const broker = await Mosquitto.start({ persistence: true });
    const config = brokerConfig(broker.url, { persistentSession: true });
    const first = await Service.start(config);
    await first.ready();
    first.kill('SIGTERM');
    await first.waitForExit();

    const client = await TestClient.connect(broker.url, { clientId: 'spec-requester-v5', clean: false, protocolVersion: 5 });
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error'], 1);
    await client.publish('gpio/t1/9/write', '1', { properties: { messageExpiryInterval: 1 } });
    await client.publish('gpio/t1/27/write', '1', { properties: { messageExpiryInterval: 600 } });
    await sleep(2_500); // well past the first one's expiry: the broker discards it, not the service
    const second = await Service.start(config);
    await second.ready();
    await client.until('gpio/t1/27/state', (m) => m.payload === '1');
    expect(await read(client, 9)).toBe('0');
  });
});
