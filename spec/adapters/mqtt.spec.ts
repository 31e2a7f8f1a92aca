import * as E from 'fp-ts/Either';
import type { MqttClient } from 'mqtt';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import { createLogger } from '../../src/adapters/log/logger';
import { startEmbeddedBroker } from '../../src/adapters/mqtt/broker';
import { clientOptions, connectClient, mqttLog, redactUrl } from '../../src/adapters/mqtt/client';
import { mqttRequests } from '../../src/adapters/mqtt/requests';
import { publishOutputs, type Sink } from '../../src/adapters/mqtt/sink';
import type { MqttConfig, PinSpec } from '../../src/core/model';
import { requestFilters } from '../../src/core/topics';
import type { Count, Output } from '../../src/core/outputs';
import { merge, Subject } from 'rxjs';
import { connector } from '../../src/streams/connector';
import { latestCounts } from '../../src/streams/latest-counts';
import { cleanupAll, Order, track } from '../support/cleanup';
import { TestClient } from '../support/client';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';

jest.setTimeout(30_000);

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 8, direction: 'output', initial: 0, activeLow: false },
];

const mqttConfig = (overrides: Partial<MqttConfig> = {}): MqttConfig => ({
  broker: { kind: 'url', url: 'unused' },
  clientId: `adapter-spec-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
  qos: 1,
  retainState: false,
  acceptRetainedWrites: false,
  acceptRetainedRequests: false,
  persistentSession: false,
  queuedWrites: 'apply',
  ...overrides,
});

interface Broker {
  url: string;
  stop(): Promise<void>;
}

const brokers: Array<[string, () => Promise<Broker>]> = [
  [
    'the embedded broker (aedes, in process)',
    async () => {
      const b = await startEmbeddedBroker('127.0.0.1', await freePort());
      const handle = { url: b.url, stop: () => b.close() };
      track(handle, Order.Broker, handle.stop);
      return handle;
    },
  ],
  ['a real Mosquitto', async () => Mosquitto.start()],
];

/** The service's MQTT adapter wired to the pipeline, as main wires it. */
const startAdapter = async (url: string, cfg: MqttConfig) => {
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ write: (line) => logs.push(JSON.parse(line)), level: 'debug' });
  const driver = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
  const client: MqttClient = connectClient(url, clientOptions(cfg, 't', {}));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const sink: Sink = publishOutputs(
    connector({ request$: mqttRequests(client) }, { thingName: 't', pins, pollPeriodMs: 20, driver, acceptRetainedWrites: cfg.acceptRetainedWrites }),
    { client, thing: 't', qos: cfg.qos, retainState: cfg.retainState, log, onFatal: (e) => { throw e; } },
  );
  const handle = {
    client,
    logs,
    stop: async () => {
      sink.subscription.unsubscribe();
      await client.endAsync(true);
    },
  };
  track(handle, Order.Service, handle.stop);
  await client.subscribeAsync([...requestFilters('t', true)], { qos: 1 });
  return handle;
};

afterEach(cleanupAll);

describe.each(brokers)('MQTT adapter against %s', (_name, startBroker) => {
  it('publishes events as JSON with the wall-clock time of their kernel stamp, and every count it is given (of a burst, latestCounts hands on the last)', async () => {
    const broker = await startBroker();
    const tester = await TestClient.connect(broker.url);
    await tester.subscribe(['gpio/t/+/event', 'gpio/t/+/count']);
    const logs: string[] = [];
    const client: MqttClient = connectClient(broker.url, clientOptions(mqttConfig(), 't', {}));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const outputs = new Subject<Output>();
    const counts = new Subject<Count>();
    const sink = publishOutputs(merge(outputs, latestCounts(counts)), { client, thing: 't', qos: 1, retainState: false, log: createLogger({ write: (l) => logs.push(l), level: 'debug' }), onFatal: (e) => { throw e; } });
    track({ sink, client }, Order.Service, async () => {
      sink.subscription.unsubscribe();
      await client.endAsync(true);
    });
    // An edge 250 ms ago: its wall time is 250 ms before the moment the stamp was taken, between these two clock reads.
    const before = Date.now();
    const stamp = process.hrtime.bigint() - 250_000_000n;
    const after = Date.now();
    outputs.next({ _tag: 'Event', pin: 5, rising: false, timestampNs: stamp });
    for (let n = 1; n <= 50; n++) counts.next({ _tag: 'Count', pin: 6, count: n });
    const event = JSON.parse((await tester.next('gpio/t/5/event')).payload) as Record<string, unknown>;
    expect(event).toEqual({ edge: 'falling', level: 0, time: expect.any(String), timestampNs: String(stamp) });
    const time = Date.parse(event['time'] as string);
    // 10 ms either way for the two clocks' reads inside the sink (and the milliseconds' rounding).
    expect(time).toBeGreaterThanOrEqual(before - 260);
    expect(time).toBeLessThanOrEqual(after - 240);
    expect((await tester.next('gpio/t/6/count')).payload).toBe('50');
    counts.next({ _tag: 'Count', pin: 6, count: 51 });
    expect((await tester.next('gpio/t/6/count')).payload).toBe('51');
    // The sink itself holds nothing back: two counts given to it in one turn are two publishes.
    outputs.next({ _tag: 'Count', pin: 6, count: 52 });
    outputs.next({ _tag: 'Count', pin: 6, count: 53 });
    expect((await tester.next('gpio/t/6/count')).payload).toBe('52');
    expect((await tester.next('gpio/t/6/count')).payload).toBe('53');
    expect(tester.received.filter((m) => m.topic === 'gpio/t/6/count').map((m) => m.payload)).toEqual(['50', '51', '52', '53']);
  });

  it('answers read, write and invalid requests on the exact topics and payloads', async () => {
    const broker = await startBroker();
    const tester = await TestClient.connect(broker.url);
    await tester.subscribe(['gpio/t/+/state', 'gpio/t/error']);
    await startAdapter(broker.url, mqttConfig());

    // Output 8 starts low: its start-up state comes first.
    expect((await tester.next('gpio/t/8/state')).payload).toBe('0');
    await tester.publish('gpio/t/8/write', '"1"');
    expect((await tester.next('gpio/t/8/state')).payload).toBe('1');
    await tester.publish('gpio/t/5/read', '');
    // The poll also publishes 5's first sample: every state for 5 is its level, 1.
    expect((await tester.next('gpio/t/5/state')).payload).toBe('1');
    await tester.publish('gpio/t/5/write', '0');
    const error = JSON.parse((await tester.next('gpio/t/error')).payload);
    expect(Object.keys(error)).toEqual(['topic', 'error', 'long_description']);
    expect(error).toEqual({
      topic: 'gpio/t/5/write',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.',
    });
    await tester.publish('gpio/t/5/simulate', '0');
    expect((await nextOf(tester, 'gpio/t/5/state', '0')).payload).toBe('0');
  });

  it('decodes the retained flag: a stored write is ignored and logged, not applied', async () => {
    const broker = await startBroker();
    const tester = await TestClient.connect(broker.url);
    await tester.publish('gpio/t/8/write', '1', { retain: true });
    const adapter = await startAdapter(broker.url, mqttConfig());
    await waitFor(() => adapter.logs.some((l) => String(l.msg).includes('retained request ignored')));
    await tester.subscribe('gpio/t/8/state');
    await tester.publish('gpio/t/8/read', '');
    expect((await tester.next('gpio/t/8/state')).payload).toBe('0');
    await tester.publish('gpio/t/8/write', '', { retain: true }); // clear it
  });

  it('applies a stored write when acceptRetainedWrites is set', async () => {
    const broker = await startBroker();
    const tester = await TestClient.connect(broker.url);
    await tester.publish('gpio/t/8/write', '1', { retain: true });
    await tester.subscribe('gpio/t/8/state');
    await startAdapter(broker.url, mqttConfig({ acceptRetainedWrites: true }));
    expect((await nextOf(tester, 'gpio/t/8/state', '1')).payload).toBe('1');
    await tester.publish('gpio/t/8/write', '', { retain: true });
  });

  it('leaves a retained offline status as its last will when the connection dies', async () => {
    const broker = await startBroker();
    const tester = await TestClient.connect(broker.url);
    await tester.subscribe('gpio/t/status');
    const adapter = await startAdapter(broker.url, mqttConfig());
    adapter.client.stream.destroy(); // an unclean loss, as when the Pi loses power
    const will = await tester.next('gpio/t/status');
    expect(will.payload).toBe('offline');
  });
});

describe("MQTT.js's debug lines", () => {
  /** The logger MQTT.js calls: its own `debug` instance has a namespace, ours does not. */
  const loggerOf = (c: MqttClient) => (c as unknown as { log: ((...a: unknown[]) => void) & { namespace?: string } }).log;

  it('are not built unless DEBUG is set; with DEBUG the client logs through MQTT.js\'s own debug logger, as before', async () => {
    expect(mqttLog({})).toEqual({ log: expect.any(Function) });
    expect(mqttLog({ DEBUG: '' })).toEqual({ log: expect.any(Function) });
    expect(mqttLog({ DEBUG: 'mqttjs*' })).toEqual({});
    const b = await startEmbeddedBroker('127.0.0.1', await freePort());
    track(b, Order.Broker, () => b.close());
    const connected = async (env: NodeJS.ProcessEnv) => {
      const c = connectClient(b.url, clientOptions(mqttConfig(), 't', {}), env);
      track(c, Order.Client, () => c.endAsync(true));
      await new Promise<void>((resolve) => c.once('connect', () => resolve()));
      return c;
    };
    const quiet = await connected({});
    const debugging = await connected({ DEBUG: 'mqttjs*' });
    expect(loggerOf(quiet).namespace).toBeUndefined();
    expect(loggerOf(quiet)).toBe(mqttLog({}).log);
    expect(loggerOf(debugging).namespace).toBe('mqttjs:client');
  });
});

describe('redactUrl', () => {
  it('never logs a password', () => {
    expect(redactUrl('mqtts://user:secret@broker.example:8883')).toBe('mqtts://user:***@broker.example:8883');
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });
});

/** The next message on `topic` with this payload, skipping others (e.g. start-up states). */
const nextOf = async (c: TestClient, topic: string, payload: string) => {
  for (;;) {
    const m = await c.next(topic);
    if (m.payload === payload) return m;
  }
};

const waitFor = async (cond: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
