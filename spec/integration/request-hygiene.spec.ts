import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { brokerConfig, embeddedConfig, expectError, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

// Issue 11, items 6, 7 and 8: retained requests, pin segments and the log of
// rejected requests, through the built service.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const msg = (l: Record<string, unknown>): string => String(l['msg']);

describe('retained requests (item 6)', () => {
  it('ignores 2,000 retained bad reads and a retained simulate, with one log line and no error answers', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    const RETAINED = 2000;
    for (let i = 0; i < RETAINED; i++) void client.mqtt.publish(`gpio/t1/${100 + i}/read`, 'x', { qos: 0, retain: true });
    await client.publish('gpio/t1/5/simulate', '1', { retain: true });
    await client.subscribe(['gpio/t1/error', 'gpio/t1/+/state']);

    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    const summary = await service.waitForLog((l) => /retained requests? ignored/.test(msg(l)));
    expect(summary).toMatchObject({ level: 'warn', count: RETAINED + 1, byKind: { read: RETAINED, simulate: 1 } });
    // A live request is still answered, and is the only error published.
    const live = await expectError(client, 'gpio/t1/4/read', '');
    expect(live['topic']).toBe('gpio/t1/4/read');
    expect(client.received.filter((m) => m.topic === 'gpio/t1/error')).toHaveLength(1);
    expect(await read(client, 5)).toBe('0'); // the stored simulate was not applied
    expect(service.logs.filter((l) => /retained/.test(msg(l)))).toHaveLength(1);
  });

  it('applies retained requests of every kind when acceptRetainedRequests is true', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.publish('gpio/t1/5/simulate', '1', { retain: true });
    await client.publish('gpio/t1/9/write', '1', { retain: true });
    await client.subscribe(['gpio/t1/+/state']);
    const service = await Service.start(brokerConfig(broker.url, { acceptRetainedRequests: true }));
    await service.ready();
    await client.until('gpio/t1/9/state', (m) => m.payload === '1');
    await client.until('gpio/t1/5/state', (m) => m.payload === '1');
    expect(service.logs.filter((l) => /retained/.test(msg(l)))).toEqual([]);
  });
});

describe('pin segments (item 7)', () => {
  it('answers only the canonical segment, on its own topic; a leading zero gets an error naming the right topic', async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port));
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
    for (const segment of ['08', '00008']) {
      const error = await expectError(client, `gpio/t1/${segment}/read`, '');
      expect(error).toEqual({
        topic: `gpio/t1/${segment}/read`,
        error: 'Invalid GPIO number',
        long_description: `"${segment}" is not a GPIO number: write the number without leading zeros, as in gpio/t1/8/read, where its state is published.`,
      });
    }
    expect(await read(client, 8)).toBe('1'); // answered on gpio/t1/8/state
    expect(client.received.filter((m) => /^gpio\/t1\/0+8\/state$/.test(m.topic))).toEqual([]);
    expect(client.received.filter((m) => m.topic === 'gpio/t1/8/state')).toHaveLength(1);
    void service;
  });
});

describe('log volume under an error flood (item 8)', () => {
  it('answers every one of 300 bad requests, logs the first 5 in full and the rest as one count', async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port));
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe('gpio/t1/error');
    const FLOOD = 300;
    await Promise.all(Array.from({ length: FLOOD }, (_, i) => client.publish(`gpio/t1/x${i}/read`, '')));
    const answers = await client.collect('gpio/t1/error', FLOOD, 20_000);
    expect(new Set(answers.map((m) => JSON.parse(m.payload).topic)).size).toBe(FLOOD);
    await sleep(200);
    expect(service.logs.filter((l) => msg(l) === 'request rejected')).toHaveLength(5);

    // The count held back is logged when the minute ends, or, as here, when the service stops.
    service.kill('SIGTERM');
    expect((await service.waitForExit()).code).toBe(0);
    const summaries = service.logs.filter((l) => /more rejected requests/.test(msg(l)));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ count: FLOOD - 5 });
    const bytes = service.logs.map((l) => JSON.stringify(l).length + 1).reduce((a, b) => a + b, 0);
    expect(bytes).toBeLessThan(10_000); // 300 full lines would be over 80 KB
  });
});
