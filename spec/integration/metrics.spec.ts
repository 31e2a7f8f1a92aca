import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig, expectError, request } from '../support/config';
import { httpGet, httpUntil } from '../support/http';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { type Family, parsePrometheusText, sampleOf } from '../support/prometheus-text';
import { ROOT, Service } from '../support/service';

// The metrics endpoint of the built service, scraped with Node's HTTP client
// during a run against a real Mosquitto, and read with the exposition
// format's rules (spec/support/prometheus-text.ts).
jest.setTimeout(90_000);
afterEach(cleanupAll);

type Json = Record<string, unknown>;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The doc's example pins, and pin 17 watched by edges. */
const metricsConfig = (url: string, metrics: Json | undefined): Json =>
  brokerConfig(url, {}, { pins: [{ pin: 17, direction: 'input', edge: 'both' }], ...(metrics === undefined ? {} : { metrics }) });

const scrape = async (port: number, host = '127.0.0.1'): Promise<Map<string, Family>> => {
  const answer = await httpGet(`http://${host}:${port}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  const families = parsePrometheusText(answer.body);
  // Every family says what it is.
  const undocumented = [...families.values()].filter((f) => f.help === undefined || f.help === '' || f.type === undefined).map((f) => f.name);
  expect(undocumented).toEqual([]);
  return families;
};

const start = async (metrics: Json | undefined = undefined) => {
  const broker = await Mosquitto.start();
  const port = await freePort();
  const service = await Service.start(metricsConfig(broker.url, metrics ?? { port }));
  await service.ready();
  return { broker, port, service };
};

describe('metrics: the built service with metrics.port, scraped during a run', () => {
  it('serves every metric, with HELP and TYPE, and counts requests, errors, publishes and edges in their labels', async () => {
    const { broker, port, service } = await start();
    const listening = service.logs.find((l) => l['msg'] === 'metrics listening');
    expect(listening).toMatchObject({ component: 'metrics', url: `http://127.0.0.1:${port}`, reachableFrom: 'this machine only' });

    const before = await scrape(port);
    expect([...before.keys()].sort()).toEqual([
      'gpio_build_info',
      'gpio_edges_lost_total',
      'gpio_edges_total',
      'gpio_errors_total',
      'gpio_mqtt_connected',
      'gpio_mqtt_inflight_messages',
      'gpio_mqtt_queued_messages',
      'gpio_mqtt_reconnect_attempts_total',
      'gpio_mqtt_reconnects_total',
      'gpio_publishes_total',
      'gpio_requests_total',
      'process_cpu_seconds_total',
      'process_cpu_system_seconds_total',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
    ]);
    // The README's table names every metric, no more.
    const section = /## Metrics and health\n([\s\S]*?)\n## /.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1] ?? '';
    const documented = section.split('\n').filter((l) => /^\| `[a-z_]/.test(l)).flatMap((l) => [...(l.split(' | ')[0] ?? '').matchAll(/`([a-z_]+)[{`]/g)].map((m) => m[1]));
    expect(documented.sort()).toEqual([...before.keys()].sort());
    expect(before.get('gpio_requests_total')?.type).toBe('counter');
    expect(before.get('gpio_mqtt_connected')?.type).toBe('gauge');
    expect(before.get('gpio_build_info')?.samples).toEqual([{ name: 'gpio_build_info', labels: { version: VERSION, driver: 'sim', node: process.versions.node }, value: 1 }]);
    expect(sampleOf(before, 'gpio_mqtt_connected')).toBe(1);
    expect(sampleOf(before, 'gpio_requests_total', { kind: 'write', outcome: 'ok' })).toBe(0);
    expect(sampleOf(before, 'gpio_edges_total', { pin: '17' })).toBe(0);
    expect(sampleOf(before, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);

    const client = await TestClient.connect(broker.url);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
    expect((await request(client, 'gpio/t1/9/write', '1', 'gpio/t1/9/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/8/pulse', '20', 'gpio/t1/8/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/9/read', '', 'gpio/t1/9/state')).payload).toBe('1');
    expect((await expectError(client, 'gpio/t1/6/write', '0'))['error']).toBe('Invalid GPIO operation');
    expect((await expectError(client, 'gpio/t1/9/write', 'on'))['error']).toBe('Invalid payload');
    expect((await expectError(client, 'gpio/t1/30/read', ''))['error']).toBe('Unconfigured GPIO');
    // Two edges on pin 17, each published as its new level.
    expect((await request(client, 'gpio/t1/17/simulate', '1', 'gpio/t1/17/state')).payload).toBe('1');
    expect((await request(client, 'gpio/t1/17/simulate', '0', 'gpio/t1/17/state')).payload).toBe('0');

    const after = await scrape(port);
    const requests = Object.fromEntries(
      (after.get('gpio_requests_total')?.samples ?? []).filter((s) => s.value > 0).map((s) => [`${s.labels['kind']} ${s.labels['outcome']}`, s.value]),
    );
    expect(requests).toEqual({ 'write ok': 1, 'write rejected': 2, 'pulse ok': 1, 'read ok': 1, 'read rejected': 1, 'simulate ok': 2 });
    const errors = Object.fromEntries((after.get('gpio_errors_total')?.samples ?? []).filter((s) => s.value > 0).map((s) => [s.labels['kind'], s.value]));
    expect(errors).toEqual({ invalid_operation: 1, invalid_payload: 1, unconfigured: 1 });
    expect(sampleOf(after, 'gpio_edges_total', { pin: '17' })).toBe(2);
    expect(sampleOf(after, 'gpio_edges_lost_total')).toBe(0);
    expect(sampleOf(after, 'gpio_publishes_total', { topic: 'error' })).toBe(3);
    // At least: the answers above, the pulse's switch-back and pin 17's two changes.
    expect(sampleOf(after, 'gpio_publishes_total', { topic: 'state' }) - sampleOf(before, 'gpio_publishes_total', { topic: 'state' })).toBeGreaterThanOrEqual(6);
    expect(sampleOf(after, 'process_cpu_seconds_total')).toBeGreaterThan(sampleOf(before, 'process_cpu_seconds_total'));
    expect(sampleOf(after, 'gpio_mqtt_queued_messages')).toBe(0);

    expect(await httpGet(`http://127.0.0.1:${port}/health`)).toMatchObject({ status: 200, body: 'ok\n' });
    expect((await httpGet(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
    expect((await httpGet(`http://127.0.0.1:${port}/metrics`, 'POST')).status).toBe(405);
    expect(await httpGet(`http://127.0.0.1:${port}/metrics`, 'HEAD')).toMatchObject({ status: 200, body: '' });

    // A clean stop releases the port.
    service.kill('SIGTERM');
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    await expect(httpGet(`http://127.0.0.1:${port}/health`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('answers /health 503 with one line saying since when the broker is gone, and 200 once it is back', async () => {
    const { broker, port, service } = await start();
    const health = `http://127.0.0.1:${port}/health`;
    expect(await httpGet(health)).toMatchObject({ status: 200, body: 'ok\n' });

    await broker.stop();
    const down = await httpUntil(health, (a) => a.status === 503);
    expect(down.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(down.body).toMatch(new RegExp(`^broker connection to mqtt://127\\.0\\.0\\.1:${broker.port} lost since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(\\d+ s\\)\\n$`));
    const gone = await scrape(port);
    expect(sampleOf(gone, 'gpio_mqtt_connected')).toBe(0);
    expect(sampleOf(gone, 'gpio_mqtt_reconnects_total')).toBe(0);

    await broker.restart();
    await httpUntil(health, (a) => a.status === 200 && a.body === 'ok\n', 30_000);
    const back = await scrape(port);
    expect(sampleOf(back, 'gpio_mqtt_connected')).toBe(1);
    expect(sampleOf(back, 'gpio_mqtt_reconnects_total')).toBe(1);
    expect(sampleOf(back, 'gpio_mqtt_reconnect_attempts_total')).toBeGreaterThanOrEqual(1);
    expect(service.exited).toBeUndefined();
  });

  it('answers /health 503 before the first connection, saying so', async () => {
    const closed = await freePort();
    const port = await freePort();
    const service = await Service.start(metricsConfig(`mqtt://127.0.0.1:${closed}`, { port }));
    await service.waitForLog((l) => l['msg'] === 'metrics listening');
    const answer = await httpUntil(`http://127.0.0.1:${port}/health`, (a) => a.status === 503);
    expect(answer.body).toMatch(new RegExp(`^not connected to the broker mqtt://127\\.0\\.0\\.1:${closed} yet, since \\S+Z \\(\\d+ s\\)\\n$`));
    expect(sampleOf(await scrape(port), 'gpio_mqtt_connected')).toBe(0);
  });

  it('listens on 127.0.0.1 only unless a host is given, and on the host given', async () => {
    const port = await freePort();
    const { service } = await start({ port });
    // A listener on every interface would answer on 127.0.0.2 too.
    await expect(httpGet(`http://127.0.0.2:${port}/health`)).rejects.toThrow(/ECONNREFUSED/);
    expect((await httpGet(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    service.kill('SIGTERM');
    await service.waitForExit();

    const other = await freePort();
    const { service: explicit } = await start({ port: other, host: '127.0.0.2' });
    expect(explicit.logs.find((l) => l['msg'] === 'metrics listening')).toMatchObject({ url: `http://127.0.0.2:${other}` });
    await expect(httpGet(`http://127.0.0.1:${other}/health`)).rejects.toThrow(/ECONNREFUSED/);
    expect((await scrape(other, '127.0.0.2')).has('gpio_requests_total')).toBe(true);
  });

  it('stops with a plain sentence and exit 1, before touching the broker, when the port is taken', async () => {
    const broker = await Mosquitto.start();
    const holder = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    try {
      const service = await Service.start(metricsConfig(broker.url, { port }));
      expect(await service.waitForExit()).toEqual({ code: 1, signal: null });
      expect(service.stderr).toMatch(new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      expect(broker.log).not.toMatch(/rpi-gpio-connector-t1/);
    } finally {
      holder.close();
    }
  });

  it('loads no metrics code without metrics.port (and loads it with)', async () => {
    const broker = await Mosquitto.start();
    const loaded = async (metrics: Json | undefined): Promise<string[]> => {
      const service = await Service.start(metricsConfig(broker.url, metrics), { env: { NODE_DEBUG: 'module' } });
      await service.ready();
      service.kill('SIGTERM');
      await service.waitForExit();
      // NODE_DEBUG=module names every file Node loads.
      return [...service.stderr.matchAll(/load "([^"]*(?:prom-client|adapters\/metrics\/service)[^"]*)"/g)].map((m) => m[1] as string);
    };
    expect(await loaded(undefined)).toEqual([]);
    const withMetrics = await loaded({ port: await freePort() });
    expect(withMetrics.some((f) => f.includes('/prom-client/'))).toBe(true);
    expect(withMetrics.some((f) => f.endsWith('adapters/metrics/service.js'))).toBe(true);
  });
});
