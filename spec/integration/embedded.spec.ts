import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { INPUTS, OUTPUTS, PINS, START_LEVELS, embeddedConfig, expectError, read, request } from '../support/config';
import { freePort } from '../support/ports';
import { Service, type LogLine } from '../support/service';

// The service with its in-process broker: the test client can only connect
// once the service is up, so start-up levels are checked with read requests.
jest.setTimeout(30_000);
afterEach(cleanupAll);

interface Running {
  service: Service;
  client: TestClient;
  ready: LogLine;
}

async function startEmbedded(): Promise<Running> {
  const port = await freePort();
  const service = await Service.start(embeddedConfig(port));
  const ready = await service.ready();
  const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
  await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
  return { service, client, ready };
}

const sorted = (xs: unknown): unknown => (Array.isArray(xs) ? [...xs].sort((a, b) => a - b) : xs);

describe('service with the embedded broker', () => {
  it('logs ready with the broker, thing, pins and driver, and logs only JSON lines', async () => {
    const { service, ready } = await startEmbedded();
    expect(typeof ready['broker']).toBe('string');
    expect(ready['thing']).toBe('t1');
    expect(sorted(ready['inputs'])).toEqual(INPUTS);
    expect(sorted(ready['outputs'])).toEqual(OUTPUTS);
    expect(ready['driver']).toBe('sim');
    for (const line of service.logs) {
      expect(line).not.toHaveProperty('raw');
      expect(typeof line['level']).toBe('string');
      expect(typeof line['component']).toBe('string');
      expect(typeof line['msg']).toBe('string');
    }
  });

  it('answers read requests with the start level of every input and output', async () => {
    const { client } = await startEmbedded();
    for (const pin of PINS) {
      expect({ pin, level: await read(client, pin) }).toEqual({ pin, level: START_LEVELS[pin] });
    }
  });

  it('publishes a simulated input change once per change', async () => {
    const { client } = await startEmbedded();
    await client.publish('gpio/t1/5/simulate', '1');
    expect((await client.next('gpio/t1/5/state')).payload).toBe('1');

    // The same level again must publish nothing: the next state seen is the following change.
    await client.publish('gpio/t1/5/simulate', '1');
    await sleep(500); // ten poll periods for a wrong duplicate to show up
    await client.publish('gpio/t1/5/simulate', '0');
    expect((await client.next('gpio/t1/5/state')).payload).toBe('0');

    await client.publish('gpio/t1/6/simulate', '0'); // pull-up input starts at 1
    expect((await client.next('gpio/t1/6/state')).payload).toBe('0');
    expect(await read(client, 6)).toBe('0');
  });

  it('writes outputs, publishes their new level, and accepts 1, "1" and padded payloads', async () => {
    const { client } = await startEmbedded();
    expect((await request(client, 'gpio/t1/8/write', '0', 'gpio/t1/8/state')).payload).toBe('0');
    expect(await read(client, 8)).toBe('0');
    expect((await request(client, 'gpio/t1/8/write', '"1"', 'gpio/t1/8/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/9/write', ' 1 \n', 'gpio/t1/9/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/27/write', '1', 'gpio/t1/27/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/27/write', '"0"', 'gpio/t1/27/state')).payload).toBe('0');
    expect([await read(client, 8), await read(client, 9), await read(client, 27)]).toEqual(['1', '1', '0']);
  });

  it('rejects a write to an input with the documented error and keeps running', async () => {
    const { service, client } = await startEmbedded();
    const error = await expectError(client, 'gpio/t1/5/write', '1');
    expect(error).toEqual({
      topic: 'gpio/t1/5/write',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.',
    });
    expect(await read(client, 5)).toBe('0');
    expect(service.exited).toBeUndefined();
  });

  it('reports an unconfigured pin for reads and writes and keeps running', async () => {
    const { client } = await startEmbedded();
    for (const [topic, payload] of [
      ['gpio/t1/4/read', ''],
      ['gpio/t1/4/write', '1'],
    ] as const) {
      const error = await expectError(client, topic, payload);
      expect(error).toMatchObject({ topic, error: 'Unconfigured GPIO' });
      expect(error['long_description']).toEqual(expect.stringContaining('GPIO 4'));
      expect(await read(client, 8)).toBe('1');
    }
  });

  it('reports a pin segment that is not a number and keeps running', async () => {
    const { client } = await startEmbedded();
    const error = await expectError(client, 'gpio/t1/abc/read', '');
    expect(error).toMatchObject({ topic: 'gpio/t1/abc/read', error: 'Invalid GPIO number' });
    expect(await read(client, 6)).toBe('1');
  });

  it.each([
    ['2', '2'],
    ['on', 'on'],
    ['empty', ''],
  ])('rejects the write payload %s, leaves the output alone and keeps running', async (_name, payload) => {
    const { client } = await startEmbedded();
    const error = await expectError(client, 'gpio/t1/8/write', payload);
    expect(error).toMatchObject({ topic: 'gpio/t1/8/write', error: 'Invalid payload' });
    expect(await read(client, 8)).toBe('1');
  });

  it('ignores requests addressed to another thing', async () => {
    const { client } = await startEmbedded();
    await client.subscribe(['gpio/other/+/state', 'gpio/other/error']);
    await client.publish('gpio/other/8/write', '0');
    await client.publish('gpio/other/5/read', '');
    await client.publish('gpio/other/5/write', '1');
    // Answered in order after the requests above: t1's output is untouched.
    expect(await read(client, 8)).toBe('1');
    await sleep(500);
    expect(client.received.filter((m) => m.topic.startsWith('gpio/other/'))).toEqual([]);
    expect(client.pending('gpio/t1/error')).toEqual([]);
  });
});
