import mqtt from 'mqtt';
import { TestClient, type Received } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { brokerConfig, embeddedConfig, expectError, START_LEVELS } from '../support/config';
import { httpGet } from '../support/http';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { parsePrometheusText, sampleOf } from '../support/prometheus-text';
import { Service } from '../support/service';

// Every level at a glance: the built service on the simulated chip, its
// snapshot on gpio/<thing>/pins and the read of all pins on gpio/<thing>/read,
// against its embedded broker (aedes, in the service's process) and a real
// Mosquitto.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const PINS_TOPIC = 'gpio/t1/pins';
/** The service's snapshot window (core/snapshot SNAPSHOT_INTERVAL_MS). */
const WINDOW_MS = 250;

interface Pin {
  direction: 'input' | 'output';
  level: 0 | 1 | null;
  changed: string | null;
  count?: number;
}
interface Snapshot {
  time: string;
  pins: Record<string, Pin>;
}
const parse = (m: Received): Snapshot => JSON.parse(m.payload) as Snapshot;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The doc's example pins, and pin 17 watched by edges with a counter. */
const EXTRA = { pins: [{ pin: 17, direction: 'input', edge: 'both', count: 'rising' }] };

/** What a snapshot holds at start-up: every pin's start level, no change yet, the counter at 0. */
const START: Record<string, Pin> = {
  ...Object.fromEntries(
    Object.entries(START_LEVELS).map(([pin, level]) => [pin, { direction: Number(pin) <= 7 ? 'input' : 'output', level: Number(level) as 0 | 1, changed: null } as Pin]),
  ),
  17: { direction: 'input', level: 0, changed: null, count: 0 },
};

const startEmbedded = async () => {
  const port = await freePort();
  const service = await Service.start(embeddedConfig(port, {}, EXTRA), { env: { LOG_LEVEL: 'debug' } });
  const ready = await service.ready();
  const url = `mqtt://127.0.0.1:${port}`;
  const client = await TestClient.connect(url);
  await client.subscribe([PINS_TOPIC, 'gpio/t1/+/state', 'gpio/t1/error']);
  return { service, ready, url, client };
};

/** Waits until the snapshot on the client satisfies `pred` (snapshots are coalesced: an intermediate one may be skipped). */
const snapshotUntil = async (client: TestClient, pred: (s: Snapshot) => boolean, timeoutMs = 10_000): Promise<Snapshot> =>
  parse(await client.until(PINS_TOPIC, (m) => pred(parse(m)), timeoutMs));

describe('the snapshot on gpio/<thing>/pins, with the embedded broker', () => {
  it('is published at start-up, retained: a subscriber that comes later gets it, with every pin', async () => {
    const { service, ready, url, client } = await startEmbedded();
    expect(ready['snapshot']).toBe(true);
    expect(ready['subscriptions']).toContain('gpio/t1/read');
    const first = await snapshotUntil(client, (s) => s.pins['5']?.level !== null);
    expect(first.pins).toEqual(START);
    expect(first.time).toMatch(ISO);
    expect(Object.keys(first)).toEqual(['time', 'pins']);
    await service.waitForLog((l) => l['msg'] === 'snapshot published' && l['topic'] === PINS_TOPIC);

    const late = await TestClient.connect(url);
    await late.subscribe(PINS_TOPIC);
    const retained = await late.next(PINS_TOPIC);
    expect(retained.retain).toBe(true);
    expect(parse(retained).pins).toEqual(START);
    // The state topics are as they were: "0" or "1", nothing else.
    expect(client.received.filter((m) => m.topic.endsWith('/state')).every((m) => m.payload === '0' || m.payload === '1')).toBe(true);
  });

  it('follows an input change (with its time and count) and a write', async () => {
    const { client } = await startEmbedded();
    await snapshotUntil(client, (s) => s.pins['5']?.level !== null);
    const before = Date.now();
    await client.publish('gpio/t1/17/simulate', '1');
    const changed = await snapshotUntil(client, (s) => s.pins['17']?.level === 1);
    expect(changed.pins['17']).toEqual({ direction: 'input', level: 1, changed: expect.stringMatching(ISO), count: 1 });
    const at = Date.parse(changed.pins['17']?.changed ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(changed.pins['5']).toEqual(START['5']);

    await client.publish('gpio/t1/9/write', '1');
    const written = await snapshotUntil(client, (s) => s.pins['9']?.level === 1);
    expect(written.pins['9']).toEqual({ direction: 'output', level: 1, changed: expect.stringMatching(ISO) });
    expect(written.pins['17']).toEqual(changed.pins['17']);
  });

  it('coalesces a burst of changes: few snapshots, at most one a window, the last one right', async () => {
    const { client } = await startEmbedded();
    await snapshotUntil(client, (s) => s.pins['5']?.level !== null);
    await sleep(WINDOW_MS * 2); // no window open
    client.drain();
    const started = Date.now();
    // 40 changes of the edge input, each published as a state; 20 rising edges counted.
    for (let i = 0; i < 40; i++) await client.publish('gpio/t1/17/simulate', i % 2 === 0 ? '1' : '0');
    await client.publish('gpio/t1/17/simulate', '1');
    const last = await snapshotUntil(client, (s) => s.pins['17']?.count === 21);
    const elapsed = Date.now() - started;
    expect(last.pins['17']).toMatchObject({ level: 1, count: 21 });
    const states = client.received.filter((m) => m.topic === 'gpio/t1/17/state' && !m.retain);
    expect(states).toHaveLength(41);
    const snapshots = client.received.filter((m) => m.topic === PINS_TOPIC);
    // One at once, then at most one as each window closes.
    expect(snapshots.length).toBeLessThanOrEqual(Math.floor(elapsed / WINDOW_MS) + 2);
    expect(snapshots.length).toBeLessThan(states.length);
    const times = snapshots.map((m) => Date.parse(parse(m).time));
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(WINDOW_MS - 5);
    // Nothing comes after the last one: it was right.
    await sleep(WINDOW_MS * 2);
    expect(client.received.filter((m) => m.topic === PINS_TOPIC)).toHaveLength(snapshots.length);
  });

  it('answers gpio/<thing>/read, whatever its payload, with the snapshot on gpio/<thing>/pins; bad requests go to the error topic', async () => {
    const { service, client } = await startEmbedded();
    await snapshotUntil(client, (s) => s.pins['5']?.level !== null);
    await sleep(WINDOW_MS * 2); // the start-up snapshot is out, and nothing changes
    for (const payload of ['', '{}', 'not json {', '1']) {
      client.drain(PINS_TOPIC);
      await client.publish('gpio/t1/read', payload);
      const answer = await client.next(PINS_TOPIC);
      expect(answer.retain).toBe(false); // live, to a subscriber; the broker keeps it as the retained one
      expect(parse(answer).pins).toEqual(START);
    }
    await service.waitForLog((l) => l['msg'] === 'answer' && l['topic'] === PINS_TOPIC);
    expect(service.logs.filter((l) => l['msg'] === 'request' && l['topic'] === 'gpio/t1/read')).toHaveLength(4);

    // A pin segment that is no pin is still the read of a pin: answered on the error topic.
    expect(await expectError(client, 'gpio/t1/pins/read', '')).toMatchObject({ topic: 'gpio/t1/pins/read', error: 'Invalid GPIO number' });
    expect(await expectError(client, 'gpio/t1/4/read', '')).toMatchObject({ error: 'Unconfigured GPIO' });
    expect(service.exited).toBeUndefined();
  });

  it('is the service\'s own: another client cannot publish on it', async () => {
    const { url, client } = await startEmbedded();
    const first = await snapshotUntil(client, (s) => s.pins['5']?.level !== null);
    const faker = mqtt.connect(url, { reconnectPeriod: 0 });
    await new Promise<void>((resolve) => faker.once('connect', () => resolve()));
    faker.publish(PINS_TOPIC, '{"fake":true}', { qos: 1, retain: true });
    await new Promise<void>((resolve) => faker.once('close', () => resolve()));
    faker.end(true);
    const late = await TestClient.connect(url);
    await late.subscribe(PINS_TOPIC);
    expect(parse(await late.next(PINS_TOPIC)).pins).toEqual(first.pins);
  });
});

describe('the snapshot with Mosquitto', () => {
  const start = async (mqttExtra: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, mqttExtra, { ...EXTRA, ...extra }));
    const ready = await service.ready();
    return { broker, service, ready };
  };

  it('keeps the start-up snapshot retained for a late subscriber, follows a change, and ignores a read of all pins stored retained', async () => {
    const broker = await Mosquitto.start();
    // An old request the broker stored: delivered to the service from the store when it subscribes.
    const early = await TestClient.connect(broker.url);
    await early.publish('gpio/t1/read', 'stale', { retain: true }); // (an empty retained payload would clear the store)
    const service = await Service.start(brokerConfig(broker.url, {}, EXTRA));
    await service.ready();
    const ignored = await service.waitForLog((l) => /^1 retained request ignored/.test(String(l['msg'])));
    expect(ignored['byKind']).toEqual({ read: 1 });
    await sleep(WINDOW_MS * 3); // the start-up snapshot is out
    const late = await TestClient.connect(broker.url);
    await late.subscribe(PINS_TOPIC);
    const retained = await late.next(PINS_TOPIC);
    expect(retained.retain).toBe(true);
    expect(parse(retained).pins).toEqual(START);
    await late.publish('gpio/t1/5/simulate', '1');
    expect((await snapshotUntil(late, (s) => s.pins['5']?.level === 1)).pins['5']).toEqual({ direction: 'input', level: 1, changed: expect.stringMatching(ISO) });
  });

  it('answers an MQTT 5 read of all pins on its response topic with its correlation data, and counts it as read_all', async () => {
    const port = await freePort();
    const { broker, service } = await start({ protocolVersion: 5 }, { metrics: { port } });
    const asker = mqtt.connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => asker.once('connect', () => resolve()));
    try {
    const got: Array<{ topic: string; payload: string; correlation?: string }> = [];
    asker.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), ...(packet.properties?.correlationData === undefined ? {} : { correlation: packet.properties.correlationData.toString() }) }));
    await asker.subscribeAsync(['replies/me', 'gpio/t1/error'], { qos: 1 });
    await sleep(WINDOW_MS * 2);
    await asker.publishAsync('gpio/t1/read', '', { qos: 1, properties: { responseTopic: 'replies/me', correlationData: Buffer.from('req-7') } });
    const deadline = Date.now() + 10_000;
    while (!got.some((m) => m.topic === 'replies/me') && Date.now() < deadline) await sleep(20);
    const answer = got.find((m) => m.topic === 'replies/me');
    expect(answer?.correlation).toBe('req-7');
    expect((JSON.parse(answer?.payload ?? '{}') as Snapshot).pins).toEqual(START);
    // gpio/<thing>/read is a request topic: no answer goes there.
    await asker.publishAsync('gpio/t1/9/write', '1', { qos: 1, properties: { responseTopic: 'gpio/t1/read' } });
    await service.waitForLog((l) => l['msg'] === 'response topic refused: not a topic name, or a request topic' && l['responseTopic'] === 'gpio/t1/read');
    const metrics = parsePrometheusText((await httpGet(`http://127.0.0.1:${port}/metrics`)).body);
    expect(sampleOf(metrics, 'gpio_requests_total', { kind: 'read_all', outcome: 'ok' })).toBe(1);
    expect(sampleOf(metrics, 'gpio_publishes_total', { topic: 'pins' })).toBeGreaterThanOrEqual(2);
    } finally {
      asker.end(true);
    }
  });

  it('leaves Home Assistant discovery as it was, and is published again when Home Assistant comes online', async () => {
    const { broker } = await start({}, { homeAssistant: { discovery: true } });
    const client = await TestClient.connect(broker.url);
    await client.subscribe(['homeassistant/#', PINS_TOPIC]);
    const configs = await client.collect('homeassistant/binary_sensor/rpi-gpio-connector_t1/gpio17/config', 1);
    expect(JSON.parse(configs[0]?.payload ?? '{}')).toMatchObject({ state_topic: 'gpio/t1/17/state' });
    expect(client.received.filter((m) => m.topic.startsWith('homeassistant/') && m.payload.includes('/pins'))).toEqual([]);
    await client.next(PINS_TOPIC); // the retained one
    await sleep(WINDOW_MS * 2);
    client.drain(PINS_TOPIC);
    await client.publish('homeassistant/status', 'online');
    expect(parse(await client.next(PINS_TOPIC)).pins).toEqual(START);
  });

  it('with mqtt.snapshot: false, publishes no snapshot and does not subscribe to gpio/<thing>/read', async () => {
    const { broker, ready } = await start({ snapshot: false });
    expect(ready['snapshot']).toBe(false);
    expect(ready['subscriptions']).not.toContain('gpio/t1/read');
    const client = await TestClient.connect(broker.url);
    await client.subscribe([PINS_TOPIC, 'gpio/t1/5/state']);
    await client.publish('gpio/t1/5/simulate', '1');
    await client.until('gpio/t1/5/state', (m) => m.payload === '1');
    await client.publish('gpio/t1/read', '');
    await sleep(WINDOW_MS * 3);
    expect(client.received.filter((m) => m.topic === PINS_TOPIC)).toEqual([]);
  });
});
