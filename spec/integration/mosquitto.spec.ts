import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { PINS, START_LEVELS, brokerConfig, expectError, read, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// The service against a real Mosquitto that each test starts on its own port:
// here the test client can subscribe before the service starts.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const STATE_FILTER = 'gpio/t1/+/state';
const state = (pin: number): string => `gpio/t1/${pin}/state`;

/** The first live (not retained) state of every pin, as { pin: level }. */
async function nextStates(client: TestClient, timeoutMs = 10_000): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const pin of PINS) out[pin] = (await client.until(state(pin), (m) => !m.retain, timeoutMs)).payload;
  return out;
}

describe('service with Mosquitto', () => {
  it('publishes the start-up level of every pin', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe(STATE_FILTER);
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    expect(await nextStates(client)).toEqual(START_LEVELS);
  });

  it('answers reads, writes and errors through Mosquitto', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe([STATE_FILTER, 'gpio/t1/error']);
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    // The start-up levels may still be on their way after `ready`: take them first, or one could pass for an answer.
    await nextStates(client);
    expect((await request(client, 'gpio/t1/9/write', '1', state(9))).payload).toBe('1');
    expect(await expectError(client, 'gpio/t1/6/write', '0')).toEqual({
      topic: 'gpio/t1/6/write',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 6 is configured as an INPUT GPIO. Write operations are not permitted.',
    });
    expect(await read(client, 9)).toBe('1');
  });

  it('does not apply a write retained before start, and warns about it', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.publish('gpio/t1/8/write', '0', { retain: true });
    await client.publish('gpio/t1/9/write', '1', { retain: true });
    await client.subscribe(STATE_FILTER);

    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    const warning = await service.waitForLog((l) => l['level'] === 'warn' && /retained/i.test(JSON.stringify(l)));
    expect(warning['level']).toBe('warn');
    // The retained writes reached the service on subscribe, before these reads.
    expect(await read(client, 8)).toBe('1');
    expect(await read(client, 9)).toBe('0');
    // Nothing ever reported the retained levels: start-up states and read answers only.
    const seen = (pin: number): string[] => client.received.filter((m) => m.topic === state(pin)).map((m) => m.payload);
    expect({ 8: seen(8).includes('0'), 9: seen(9).includes('1') }).toEqual({ 8: false, 9: false });

    service.kill('SIGTERM');
    await service.waitForExit();
    await client.publish('gpio/t1/8/write', '', { retain: true });
    await client.publish('gpio/t1/9/write', '', { retain: true });
  });

  it('applies a write retained before start when acceptRetainedWrites is true', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.publish('gpio/t1/8/write', '0', { retain: true });
    await client.publish('gpio/t1/9/write', '1', { retain: true });
    await client.subscribe(STATE_FILTER);

    const service = await Service.start(brokerConfig(broker.url, { acceptRetainedWrites: true }));
    await service.ready();
    await client.until(state(8), (m) => m.payload === '0');
    await client.until(state(9), (m) => m.payload === '1');
    expect(await read(client, 8)).toBe('0');
    expect(await read(client, 9)).toBe('1');

    service.kill('SIGTERM');
    await service.waitForExit();
    await client.publish('gpio/t1/8/write', '', { retain: true });
    await client.publish('gpio/t1/9/write', '', { retain: true });
  });

  it('reconnects and resubscribes after Mosquitto restarts', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();

    await broker.stop();
    await sleep(1_000);
    await broker.restart();

    const client = await TestClient.connect(broker.url);
    await client.subscribe(state(8));
    // How soon the service reconnects varies: ask every second for up to 15 s.
    let answer: string | undefined;
    const deadline = Date.now() + 15_000;
    while (answer === undefined && Date.now() < deadline) {
      await client.publish('gpio/t1/8/read', '');
      answer = await client.until(state(8), (m) => !m.retain, 1_000).then(
        (m) => m.payload,
        () => undefined,
      );
    }
    if (answer === undefined) {
      throw new Error(`no answer to gpio/t1/8/read within 15 s of the broker restart; ${service.describe()}`);
    }
    expect(answer).toBe('1');
    expect((await request(client, 'gpio/t1/8/write', '0', state(8))).payload).toBe('0');
  });

  it('republishes the current level of every pin after Mosquitto restarts', async () => {
    // A persistent session on a persistent broker: messages the service
    // publishes while this client is still reconnecting are queued, not lost.
    const broker = await Mosquitto.start({ persistence: true });
    const client = await TestClient.connect(broker.url, { clean: false, clientId: `spec-outage-${broker.port}` });
    await client.subscribe(STATE_FILTER);
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    expect(await nextStates(client)).toEqual(START_LEVELS);

    await client.publish('gpio/t1/5/simulate', '1');
    expect((await client.next(state(5))).payload).toBe('1');
    expect((await request(client, 'gpio/t1/27/write', '1', state(27))).payload).toBe('1');
    await sleep(300);
    client.drain();

    await broker.stop();
    await sleep(1_000);
    await broker.restart();

    // No requests: every state below is one the service published on its own.
    expect(await nextStates(client, 20_000)).toEqual({ ...START_LEVELS, 5: '1', 27: '1' });
    expect(service.exited).toBeUndefined();
  });
});
