import { randomBytes } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// MQTT 5 request/response through a real Mosquitto, and the QoS of answers.
jest.setTimeout(60_000);
afterEach(cleanupAll);

interface Got {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  correlation?: string;
  user?: Record<string, unknown>;
}

/** A raw MQTT.js client (the test needs each packet's QoS and properties). */
async function connect(url: string, protocolVersion: 4 | 5): Promise<{ client: MqttClient; got: Got[] }> {
  const client = mqtt.connect(url, { clientId: `spec5-${randomBytes(5).toString('hex')}`, protocolVersion, reconnectPeriod: 0 });
  const got: Got[] = [];
  client.on('message', (topic, payload, packet: IPublishPacket) => {
    const p = packet.properties;
    got.push({
      topic,
      payload: payload.toString(),
      qos: packet.qos,
      retain: packet.retain,
      ...(p?.correlationData !== undefined ? { correlation: p.correlationData.toString() } : {}),
      ...(p?.userProperties !== undefined ? { user: p.userProperties } : {}),
    });
  });
  await new Promise<void>((ok, fail) => {
    client.once('connect', () => ok());
    client.once('error', fail);
  });
  afterEachEnd.push(() => client.endAsync(true));
  return { client, got };
}
const afterEachEnd: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const end of afterEachEnd.splice(0)) await end();
});

async function until<T>(f: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MQTT 5 request/response', () => {
  it('answers each caller on its own response topic with its correlation data, many callers on one pin', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { protocolVersion: 5 }));
    await service.ready();

    const callers = await Promise.all([0, 1, 2, 3].map(() => connect(broker.url, 5)));
    await Promise.all(callers.map(({ client }, i) => client.subscribeAsync(`replies/caller-${i}`, { qos: 1 })));
    // Every caller writes pin 9 at once, each with its own level sequence and correlation data.
    const levels = ['1', '0', '1', '0'];
    await Promise.all(
      callers.map(({ client }, i) =>
        client.publishAsync('gpio/t1/9/write', levels[i] as string, {
          qos: 1,
          properties: { responseTopic: `replies/caller-${i}`, correlationData: Buffer.from(`req-${i}`), userProperties: { caller: String(i), trace: ['a', 'b'] } },
        }),
      ),
    );
    for (const [i, { got }] of callers.entries()) {
      const answer = await until(() => got.find((m) => m.topic === `replies/caller-${i}`), `caller ${i}'s answer`);
      expect(answer).toEqual({ topic: `replies/caller-${i}`, payload: levels[i], qos: 1, retain: false, correlation: `req-${i}`, user: { caller: String(i), trace: ['a', 'b'] } });
      // Only its own answer, once.
      expect(got.filter((m) => m.topic.startsWith('replies/'))).toHaveLength(1);
    }
  });

  it('answers an invalid request on its response topic too, with the error object', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { protocolVersion: 5 }));
    await service.ready();
    const { client, got } = await connect(broker.url, 5);
    await client.subscribeAsync('replies/me', { qos: 1 });
    await client.publishAsync('gpio/t1/6/write', '1', { qos: 1, properties: { responseTopic: 'replies/me', correlationData: Buffer.from('x') } });
    const answer = await until(() => got.find((m) => m.topic === 'replies/me'), 'the error answer');
    expect(JSON.parse(answer.payload)).toEqual({
      topic: 'gpio/t1/6/write',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 6 is configured as an INPUT GPIO. Write operations are not permitted.',
    });
    expect(answer.correlation).toBe('x');
  });

  it('refuses a response topic that is a request topic: an answer must not command a pin', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { protocolVersion: 5 }));
    await service.ready();
    const { client, got } = await connect(broker.url, 5);
    await client.subscribeAsync(['gpio/t1/8/write', 'gpio/t1/9/state'], { qos: 1 });
    await client.publishAsync('gpio/t1/9/write', '1', { qos: 1, properties: { responseTopic: 'gpio/t1/8/write' } });
    await until(() => got.find((m) => m.topic === 'gpio/t1/9/state' && m.payload === '1'), 'the state answer');
    await service.waitForLog((l) => l['msg'] === 'response topic refused: not a topic name, or a request topic');
    expect(got.filter((m) => m.topic === 'gpio/t1/8/write')).toEqual([]);
  });

  it('with MQTT 3.1.1 (the default) a request is answered on the state topic as before', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    const { client, got } = await connect(broker.url, 4);
    await client.subscribeAsync('gpio/t1/#', { qos: 1 });
    await client.publishAsync('gpio/t1/9/write', '1', { qos: 1 });
    const answer = await until(() => got.find((m) => m.topic === 'gpio/t1/9/state' && !m.retain), 'the state answer');
    expect(answer).toEqual({ topic: 'gpio/t1/9/state', payload: '1', qos: 1, retain: false });
  });
});

describe('the QoS of an answer', () => {
  it.each([4, 5] as const)('is the QoS of its request, capped at mqtt.qos (MQTT protocol %p)', async (protocolVersion) => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, protocolVersion === 5 ? { protocolVersion } : {}));
    await service.ready();
    // The observer subscribes at QoS 1: what it gets is at the QoS the service published.
    const { client, got } = await connect(broker.url, 4);
    await client.subscribeAsync(['gpio/t1/+/state', 'gpio/t1/error'], { qos: 1 });
    const ask = async (topic: string, payload: string, qos: 0 | 1, answerTopic: string): Promise<number> => {
      const seen = got.length;
      await client.publishAsync(topic, payload, { qos });
      return (await until(() => got.slice(seen).find((m) => m.topic === answerTopic && !m.retain), `answer on ${answerTopic}`)).qos;
    };
    expect(await ask('gpio/t1/9/write', '1', 0, 'gpio/t1/9/state')).toBe(0);
    expect(await ask('gpio/t1/9/write', '0', 1, 'gpio/t1/9/state')).toBe(1);
    expect(await ask('gpio/t1/9/read', '', 0, 'gpio/t1/9/state')).toBe(0);
    expect(await ask('gpio/t1/6/write', '1', 0, 'gpio/t1/error')).toBe(0);
    expect(await ask('gpio/t1/6/write', '1', 1, 'gpio/t1/error')).toBe(1);
    // An input change is no answer: it goes out at mqtt.qos (1 by default).
    const seen = got.length;
    await client.publishAsync('gpio/t1/5/simulate', '1', { qos: 0 });
    expect((await until(() => got.slice(seen).find((m) => m.topic === 'gpio/t1/5/state' && m.payload === '1'), 'the input change')).qos).toBe(1);
  });
});
