import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestClient, type Received } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { expectError, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { ROOT, Service } from '../support/service';

// The README's worked example (examples/doorbell-meter-relay.yaml) run as
// users run it, the built service on the simulated chip, against a real
// Mosquitto: edge inputs, debounce, the event topic, counting and pulses.
jest.setTimeout(90_000);
afterEach(cleanupAll);

type Json = Record<string, unknown>;
const EXAMPLE = join(ROOT, 'examples', 'doorbell-meter-relay.yaml');
const example = (): Json => parse(readFileSync(EXAMPLE, 'utf8')) as Json;
const t = (rest: string): string => `gpio/house/${rest}`;

/** The example with Mosquitto as its broker; `debounce` of the doorbell widened where a test must not race a loaded machine. */
const config = (url: string, doorbellDebounce?: number): Json => {
  const c = example();
  const pins = (c['pins'] as Json[]).map((p) => (p['pin'] === 17 && doorbellDebounce !== undefined ? { ...p, debounce: doorbellDebounce } : p));
  return { ...c, pins, mqtt: { url } };
};

const start = async (doorbellDebounce?: number) => {
  const broker = await Mosquitto.start();
  const client = await TestClient.connect(broker.url);
  await client.subscribe('gpio/house/#');
  const service = await Service.start(config(broker.url, doorbellDebounce));
  await service.ready();
  return { broker, client, service };
};

const live = (m: Received): boolean => !m.retain;
const payloads = (client: TestClient, topic: string): string[] => client.received.filter((m) => m.topic === topic).map((m) => m.payload);

describe('edges, debounce, counting and pulses: the worked example on the simulated chip, with Mosquitto', () => {
  it('starts with every level, the edge inputs named in the ready log, and the meter count at 0', async () => {
    const { client, service } = await start();
    const ready = service.logs.find((l) => l['msg'] === 'ready') as Json;
    expect(ready['edgeInputs']).toEqual([17, 27]);
    expect(ready['subscriptions']).toContain('gpio/house/+/pulse');
    expect((await client.until(t('17/state'), live)).payload).toBe('1'); // pulled up, not pressed
    expect((await client.until(t('27/state'), live)).payload).toBe('0'); // open switch: inactive
    expect((await client.until(t('22/state'), live)).payload).toBe('0');
    expect((await client.until(t('27/count'), live)).payload).toBe('0');
  });

  it('publishes a bouncing doorbell press once, after it held, with an event that carries the kernel-clock timestamp', async () => {
    const { client } = await start(250);
    await client.until(t('17/state'), live);
    client.drain();
    const before = Date.now();
    // Contact bounce: four changes in a burst, each shorter than the window, then the press held.
    await Promise.all(['0', '1', '0', '1'].map((level) => client.publish(t('17/simulate'), level)));
    await sleep(600);
    expect(payloads(client, t('17/state')).filter((p) => p === '0')).toEqual([]);
    expect(payloads(client, t('17/event'))).toEqual([]);
    await client.publish(t('17/simulate'), '0');
    expect((await client.next(t('17/state'))).payload).toBe('0');
    const event = JSON.parse((await client.next(t('17/event'))).payload) as Json;
    expect(Object.keys(event)).toEqual(['edge', 'level', 'time', 'timestampNs']);
    expect(event).toMatchObject({ edge: 'falling', level: 0 });
    expect(event['timestampNs']).toMatch(/^[0-9]+$/);
    const time = Date.parse(event['time'] as string);
    expect(time).toBeGreaterThanOrEqual(before - 5);
    expect(time).toBeLessThanOrEqual(Date.now());
    // The release is a state change but not an event: the doorbell's events are its falling edges.
    await client.publish(t('17/simulate'), '1');
    expect((await client.next(t('17/state'))).payload).toBe('1');
    await sleep(400);
    expect(payloads(client, t('17/event'))).toHaveLength(1);
  });

  it('counts every meter pulse on its count topic, and starts again from 0 after a restart', async () => {
    const { broker, client, service } = await start();
    expect((await client.until(t('27/count'), live)).payload).toBe('0');
    await client.until(t('27/state'), live);
    // Each half of a pulse waits for its debounced state: two simulates sent 30 ms apart can
    // reach a loaded service within the 5 ms window, and then rightly count as a bounce.
    for (let i = 0; i < 5; i++) {
      await client.publish(t('27/simulate'), '0'); // closed: active
      expect((await client.next(t('27/state'))).payload).toBe('1');
      await client.publish(t('27/simulate'), '1');
      expect((await client.next(t('27/state'))).payload).toBe('0');
    }
    const counts = await client.collect(t('27/count'), 5);
    expect(counts.map((m) => m.payload)).toEqual(['1', '2', '3', '4', '5']);
    service.kill('SIGTERM');
    await service.waitForExit();
    client.drain();
    const again = await Service.start(config(broker.url));
    await again.ready();
    expect((await client.until(t('27/count'), live)).payload).toBe('0');
  });

  it('pulses the relay: on at once, off after the duration; a write during a pulse cancels it', async () => {
    const { client } = await start();
    await client.until(t('22/state'), live);
    client.drain();
    const sent = Date.now();
    await client.publish(t('22/pulse'), '300');
    expect((await client.next(t('22/state'))).payload).toBe('1');
    expect((await client.next(t('22/state'))).payload).toBe('0');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);

    expect((await request(client, t('22/pulse'), '400', t('22/state'))).payload).toBe('1');
    expect((await request(client, t('22/write'), '1', t('22/state'))).payload).toBe('1');
    await sleep(800);
    expect(client.pending(t('22/state'))).toEqual([]); // no switch-back: the write won
    expect((await request(client, t('22/read'), '', t('22/state'))).payload).toBe('1');
  });

  it('answers pulses to an input and out-of-bounds or malformed durations on the error topic, and keeps running', async () => {
    const { client } = await start();
    expect(await expectError(client, t('17/pulse'), '500', 'house')).toEqual({
      topic: t('17/pulse'),
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 17 is configured as an INPUT GPIO. Only OUTPUT GPIOs can be pulsed.',
    });
    for (const bad of ['0', '3600001', '-5', '1.5', 'soon']) {
      expect(await expectError(client, t('22/pulse'), bad, 'house')).toMatchObject({ topic: t('22/pulse'), error: 'Invalid payload' });
    }
    expect((await request(client, t('22/pulse'), '50', t('22/state'))).payload).toBe('1');
  });

  it('leaves a pulsed relay off when stopped mid-pulse, and says so before going offline', async () => {
    const { client, service } = await start();
    await client.until(t('22/state'), live);
    expect((await request(client, t('22/pulse'), '60000', t('22/state'))).payload).toBe('1');
    client.drain();
    service.kill('SIGTERM');
    expect((await service.waitForExit()).code).toBe(0);
    const on = client.received.map((m) => m.topic === t('22/state') && m.payload === '1').lastIndexOf(true);
    const after = client.received.slice(on + 1);
    const off = after.findIndex((m) => m.topic === t('22/state') && m.payload === '0');
    const offline = after.findIndex((m) => m.topic === t('status') && m.payload === 'offline');
    expect(off).toBeGreaterThanOrEqual(0);
    expect(offline).toBeGreaterThan(off);
  });
});
