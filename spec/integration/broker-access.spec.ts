import mqtt from 'mqtt';
import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { embeddedConfig, read } from '../support/config';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

// Issue 11, item 3: the embedded broker's permissions, through the built service.
jest.setTimeout(30_000);
afterEach(cleanupAll);

/** Tries to connect once; resolves with the CONNACK refusal code, or 0 when let in. */
function tryConnect(url: string, options: mqtt.IClientOptions): Promise<number> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve(typeof err.code === 'number' ? err.code : -1);
    });
  });
}

async function start(mqttExtra: Record<string, unknown> = {}) {
  const port = await freePort();
  const service = await Service.start(embeddedConfig(port, mqttExtra));
  const ready = await service.ready();
  return { service, ready, url: `mqtt://127.0.0.1:${port}` };
}

describe('the embedded broker', () => {
  it('enforces mqtt.username/password and mqtt.users when given', async () => {
    const { service, url } = await start({ username: 'admin', password: 's3cret', users: [{ username: 'app', password: 'app-pw' }] });
    // CONNACK 4, bad user name or password: anonymous, a wrong password, another user's password.
    expect(await tryConnect(url, {})).toBe(4);
    expect(await tryConnect(url, { username: 'admin', password: 'wrong' })).toBe(4);
    expect(await tryConnect(url, { username: 'app', password: 's3cret' })).toBe(4);
    for (const [username, password] of [['admin', 's3cret'], ['app', 'app-pw']] as const) {
      const client = await TestClient.connect(url, { username, password });
      await client.subscribe(['gpio/t1/+/state']);
      expect(await read(client, 8)).toBe('1');
    }
    const listening = service.logs.find((l) => l['msg'] === 'embedded broker listening');
    expect(listening).toMatchObject({ reachableFrom: 'this machine only', clients: '2 users with a password' });
    expect(JSON.stringify(service.logs)).not.toMatch(/s3cret|app-pw/);
  });

  it('lets only the service publish its status, state and error topics', async () => {
    const { url, service } = await start();
    const listening = service.logs.find((l) => l['msg'] === 'embedded broker listening');
    expect(listening).toMatchObject({ reachableFrom: 'this machine only', clients: 'anyone on this machine' });
    const watcher = await TestClient.connect(url);
    await watcher.subscribe(['gpio/t1/status', 'gpio/t1/+/state', 'gpio/t1/error']);
    expect((await watcher.next('gpio/t1/status')).payload).toBe('online');

    // Each forgery in its own connection: the broker drops a client that tries one.
    for (const [topic, payload] of [['gpio/t1/status', 'offline'], ['gpio/t1/8/state', '0'], ['gpio/t1/error', '{"fake":1}']] as const) {
      const forger = mqtt.connect(url, { reconnectPeriod: 0 });
      await new Promise((resolve) => forger.once('connect', resolve));
      forger.publish(topic, payload, { qos: 0, retain: true });
      await new Promise<void>((resolve) => forger.once('close', () => resolve()));
    }
    // Nor may anyone take the service's client id, or leave a will on its status.
    expect(await tryConnect(url, { clientId: 'rpi-gpio-connector-t1' })).toBe(2);
    const willer = mqtt.connect(url, { reconnectPeriod: 0, will: { topic: 'gpio/t1/status', payload: Buffer.from('offline'), qos: 0, retain: true } });
    await new Promise((resolve) => willer.once('connect', resolve));
    (willer as unknown as { stream: { destroy(): void } }).stream.destroy(); // dies without DISCONNECT: the will would fire
    await sleep(500);

    expect(await read(watcher, 8)).toBe('1');
    const late = await TestClient.connect(url);
    await late.subscribe('gpio/t1/status');
    expect((await late.next('gpio/t1/status')).payload).toBe('online');
    await late.subscribe('gpio/t1/8/state');
    await sleep(300);
    expect(late.pending('gpio/t1/8/state')).toEqual([]); // no forged retained state
    const seen = watcher.received.filter((m) => m.topic === 'gpio/t1/status' || m.topic === 'gpio/t1/error' || m.payload === '0');
    expect(seen.map((m) => `${m.topic}=${m.payload}`)).toEqual(['gpio/t1/status=online']);
  });

  it('refuses to listen on every interface without credentials: exit 2 before it listens', async () => {
    for (const host of ['0.0.0.0', '']) {
      const service = await Service.start(embeddedConfig(await freePort(), { host }));
      expect((await service.waitForExit()).code).toBe(2);
      expect(service.stderr).toMatch(/^mqtt\.host: /m);
      expect(service.logs.filter((l) => l['component'] === 'broker')).toEqual([]);
    }
  });
});
