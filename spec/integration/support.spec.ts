import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';

// Checks the test harness itself against a real Mosquitto, so a failure in
// the service specs is not a failure of the harness.
jest.setTimeout(30_000);
afterEach(cleanupAll);

async function roundTrip(url: string, topic: string, payload: string): Promise<void> {
  const client = await TestClient.connect(url);
  await client.subscribe(topic);
  await client.publish(topic, payload);
  const m = await client.next(topic);
  expect(m).toEqual({ topic, payload, retain: false });
  await client.end();
}

describe('test support', () => {
  it('finds a free loopback port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
  });

  it('runs Mosquitto, round-trips a message, and does it again after a restart on the same port', async () => {
    const broker = await Mosquitto.start();
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    await roundTrip(broker.url, 'spec/support/one', 'hello');

    await broker.restart();
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    await roundTrip(broker.url, 'spec/support/two', 'again');

    await broker.stop();
    expect(broker.running).toBe(false);
  });

  it('keeps a persistent session and its queued messages across a restart when asked to', async () => {
    const broker = await Mosquitto.start({ persistence: true });
    const clientId = `spec-persist-${broker.port}`;
    const first = await TestClient.connect(broker.url, { clean: false, clientId });
    await first.subscribe('spec/support/kept');
    await first.end();

    await broker.restart();
    const sender = await TestClient.connect(broker.url);
    await sender.publish('spec/support/kept', 'queued');

    // Same client id, no new subscription: the message comes from the restored session.
    const second = await TestClient.connect(broker.url, { clean: false, clientId });
    expect((await second.next('spec/support/kept')).payload).toBe('queued');
  });

  it("logs each client connection, which the start-up error specs rely on", async () => {
    const broker = await Mosquitto.start();
    await TestClient.connect(broker.url, { clientId: 'spec-probe-a' });
    await TestClient.connect(broker.url, { clientId: 'spec-probe-b' });
    await broker.waitForLog(/New client connected .* as spec-probe-b/);
    expect(broker.log.match(/New client connected/g)).toHaveLength(2);
  });
});
