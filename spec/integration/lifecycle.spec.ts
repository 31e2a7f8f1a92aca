import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig, embeddedConfig, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

jest.setTimeout(30_000);
afterEach(cleanupAll);

/** Signals a ready service and returns how long it took to exit, after checking it exited 0. */
async function stopWith(service: Service, signal: NodeJS.Signals): Promise<number> {
  const started = Date.now();
  service.kill(signal);
  const exit = await service.waitForExit(10_000);
  const elapsed = Date.now() - started;
  console.log(`${signal}: service exited ${JSON.stringify(exit)} after ${elapsed} ms`);
  expect(exit).toEqual({ code: 0, signal: null });
  return elapsed;
}

describe('service lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 promptly on %s (embedded broker)', async (signal) => {
    const service = await Service.start(embeddedConfig(await freePort()));
    await service.ready();
    // The contract is 2 s; the bound leaves slack for a shared, noisy machine.
    expect(await stopWith(service, signal)).toBeLessThan(4_000);
  });

  it('exits 0 promptly on SIGTERM while connected to Mosquitto', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    expect(await stopWith(service, 'SIGTERM')).toBeLessThan(4_000);
  });

  it('takes the thing name from AWS_IOT_THING_NAME when the config has none', async () => {
    const port = await freePort();
    const config = embeddedConfig(port);
    delete config['thingName'];
    const service = await Service.start(config, { env: { AWS_IOT_THING_NAME: 'envthing' } });
    const ready = await service.ready();
    expect(ready['thing']).toBe('envthing');

    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/envthing/+/state', 'gpio/t1/+/state']);
    expect(await read(client, 6, 'envthing')).toBe('1');
    expect(client.received.filter((m) => m.topic.startsWith('gpio/t1/'))).toEqual([]);
  });

  it('runs on a Greengrass group\'s parameters pasted as-is, saying once that GpioMem-ResourceId is ignored', async () => {
    const port = await freePort();
    const service = await Service.start({
      thingName: 't1',
      'GpioMem-ResourceId': 'my-gpio-resource',
      InputGpios: '5,6U,7D',
      InputPollPeriod: '50',
      OutputGpios: '8H,9,27L',
      mqtt: { url: 'embedded', port },
      gpio: { driver: 'sim' },
    });
    await service.ready();
    const mentions = service.logs.filter((l) => String(l['msg']).includes('GpioMem-ResourceId'));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ level: 'info', component: 'config' });
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe('gpio/t1/+/state');
    expect(await read(client, 8)).toBe('1');
  });

  it('publishes a retained online status when connected and offline when it stops', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe('gpio/t1/status');
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    expect(await client.next('gpio/t1/status')).toMatchObject({ payload: 'online' });
    await stopWith(service, 'SIGTERM');
    expect(await client.next('gpio/t1/status')).toMatchObject({ payload: 'offline' });
    // Retained: a client that comes later learns it too.
    const late = await TestClient.connect(broker.url);
    await late.subscribe('gpio/t1/status');
    expect(await late.next('gpio/t1/status')).toMatchObject({ payload: 'offline', retain: true });
  });
});
