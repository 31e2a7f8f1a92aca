import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig, embeddedConfig, expectError, read, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { ROOT, Service, type LogLine } from '../support/service';

jest.setTimeout(60_000);
afterEach(cleanupAll);

const msg = (l: LogLine): string => String(l['msg']);
const SEVERITIES = ['debug', 'info', 'warn', 'error'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every line has the logger's own four keys, of the logger's own kinds, first and in order. */
function expectWellFormed(logs: ReadonlyArray<LogLine>): void {
  const bad = logs.filter(
    (l) =>
      Object.keys(l).slice(0, 4).join() !== 'time,level,component,msg' ||
      typeof l['time'] !== 'string' ||
      Number.isNaN(Date.parse(l['time'])) ||
      !SEVERITIES.includes(String(l['level'])) ||
      typeof l['component'] !== 'string' ||
      typeof l['msg'] !== 'string',
  );
  expect(bad).toEqual([]);
}

/** Simulates input 5 high, reads output 8, writes output 9, writes input 5 (refused): one of each path. */
async function exercise(port: number): Promise<void> {
  const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
  await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
  client.drain();
  await client.publish('gpio/t1/5/simulate', '1');
  await client.until('gpio/t1/5/state', (m) => m.payload === '1');
  expect(await read(client, 8)).toBe('1');
  expect((await request(client, 'gpio/t1/9/write', '1', 'gpio/t1/9/state')).payload).toBe('1');
  await expectError(client, 'gpio/t1/5/write', '1');
}

describe('LOG_LEVEL=debug', () => {
  it("logs each request, its answer and each input change, and no field takes the place of the logger's keys", async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port), { env: { LOG_LEVEL: 'debug' } });
    await service.ready();
    await exercise(port);
    await service.waitForLog((l) => msg(l) === 'answer' && l['topic'] === 'gpio/t1/error');
    const debug = service.logs.filter((l) => l['level'] === 'debug');

    // The issue's own case: this line said "level":1.
    expect(debug).toContainEqual(expect.objectContaining({ component: 'pipeline', msg: 'simulated input set', topic: 'gpio/t1/5/simulate', pin: 5, pinLevel: 1 }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'input changed', topic: 'gpio/t1/5/state', pin: 5, pinLevel: 1, was: 0 }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'request', topic: 'gpio/t1/8/read', payload: '', retained: false, qos: 1 }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'answer', topic: 'gpio/t1/8/state', pin: 8, pinLevel: 1 }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'request', topic: 'gpio/t1/9/write', payload: '1' }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'answer', topic: 'gpio/t1/9/state', pin: 9, pinLevel: 1 }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'request', topic: 'gpio/t1/5/write', payload: '1' }));
    expect(debug).toContainEqual(expect.objectContaining({ msg: 'answer', topic: 'gpio/t1/error', request: 'gpio/t1/5/write', error: 'Invalid GPIO operation' }));
    // Each request's line comes before its answer's.
    const at = (m: string, topic: string) => service.logs.findIndex((l) => msg(l) === m && l['topic'] === topic);
    expect(at('request', 'gpio/t1/8/read')).toBeLessThan(at('answer', 'gpio/t1/8/state'));

    service.kill('SIGTERM');
    await service.waitForExit();
    expectWellFormed(service.logs);
  });

  it('at the default level (info) logs none of that, for the same requests', async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port), { env: { LOG_LEVEL: undefined } });
    await service.ready();
    await exercise(port);
    service.kill('SIGTERM');
    await service.waitForExit();
    expect(service.logs.filter((l) => l['level'] === 'debug')).toEqual([]);
    expect(service.logs.map(msg)).not.toEqual(expect.arrayContaining(['request']));
    expectWellFormed(service.logs);
  });

  it('logs each step of a reconnect: the close, each try, the CONNACK, the levels published again', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url), { env: { LOG_LEVEL: 'debug' } });
    await service.ready();
    const before = service.logs.length;
    await broker.stop();
    await service.waitForLog((l) => msg(l) === 'reconnecting' && Number(l['try']) >= 2, 20_000);
    await broker.restart();
    await service.waitForLog((l) => msg(l) === 'broker connection back', 20_000);
    await service.waitForLog((l) => service.logs.indexOf(l) > before && msg(l) === 'level published' && l['pin'] === 27);
    // (The warn lines about the stopping broker's delivery of the service's own will are another matter.)
    const steps = service.logs
      .slice(before)
      .filter((l) => l['component'] === 'mqtt' && l['level'] !== 'warn')
      .map((l) => `${String(l['level'])} ${msg(l)}`);
    expect(steps[0]).toBe('debug connection closed');
    expect(service.logs.slice(before)).toContainEqual(expect.objectContaining({ msg: 'connection closed', reconnectInMs: 1000 }));
    expect(steps).toEqual(expect.arrayContaining(['debug reconnecting', 'debug connection attempt failed', 'debug connack', 'info broker connection back']));
    expect(steps.indexOf('debug connack')).toBeGreaterThan(steps.lastIndexOf('debug reconnecting'));
    expect(service.logs.slice(before)).toContainEqual(expect.objectContaining({ msg: 'connack', sessionPresent: false, tries: expect.any(Number) }));
    expectWellFormed(service.logs);
  });
});

describe('start-up lines', () => {
  it('an unknown LOG_LEVEL stops the service at start-up, naming the allowed values', async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port), { env: { LOG_LEVEL: 'verbose' } });
    expect(await service.waitForExit()).toEqual({ code: 2, signal: null });
    expect(service.stderr).toBe('LOG_LEVEL="verbose" is not a log level: use one of debug, info, warn, error (default info)\n');
    expect(service.logs).toEqual([]);
  });

  it('takes LOG_LEVEL in any case: DEBUG is debug', async () => {
    const service = await Service.start(embeddedConfig(await freePort()), { env: { LOG_LEVEL: 'DEBUG' } });
    await service.ready();
    expect(service.logs.some((l) => l['level'] === 'debug')).toBe(true);
  });

  it('the ready line carries the version and the driver', async () => {
    const service = await Service.start(embeddedConfig(await freePort()));
    expect(await service.ready()).toEqual(expect.objectContaining({ version: VERSION, driver: 'sim' }));
  });

  it('"announced to Home Assistant" comes after "connected"', async () => {
    const service = await Service.start(embeddedConfig(await freePort(), {}, { homeAssistant: { discovery: true } }));
    await service.ready();
    const connected = service.logs.findIndex((l) => msg(l) === 'connected');
    const announced = service.logs.findIndex((l) => msg(l) === 'announced to Home Assistant');
    expect({ connected: connected >= 0, announced: announced >= 0 }).toEqual({ connected: true, announced: true });
    expect(connected).toBeLessThan(announced);
  });
});
