import type { TestClient, Received } from './client';

/** The connector doc's example pins, with the levels the simulated chip starts at. */
export const START_LEVELS: Readonly<Record<number, '0' | '1'>> = {
  5: '0', // input, no bias
  6: '1', // input, pull-up
  7: '0', // input, pull-down
  8: '1', // output, H
  9: '0', // output, keeps the line's level (0 on the simulated chip)
  27: '0', // output, L
};
export const INPUTS = [5, 6, 7];
export const OUTPUTS = [8, 9, 27];
export const PINS = [...INPUTS, ...OUTPUTS];

type Json = Record<string, unknown>;

/** The doc's example parameters, simulated chip, broker given by `mqtt`. */
export function baseConfig(mqtt: Json, extra: Json = {}): Json {
  return {
    thingName: 't1',
    InputGpios: '5,6U,7D',
    OutputGpios: '8H,9,27L',
    InputPollPeriod: 50,
    mqtt,
    gpio: { driver: 'sim' },
    ...extra,
  };
}

export function embeddedConfig(port: number, mqttExtra: Json = {}, extra: Json = {}): Json {
  return baseConfig({ url: 'embedded', host: '127.0.0.1', port, ...mqttExtra }, extra);
}

export function brokerConfig(url: string, mqttExtra: Json = {}, extra: Json = {}): Json {
  return baseConfig({ url, ...mqttExtra }, extra);
}

/**
 * Publishes a request and returns the answer on `answerTopic`. Queued
 * messages on that topic are dropped first, and retained ones (delivered
 * because we subscribed, not because we asked) are skipped.
 */
export async function request(
  client: TestClient,
  topic: string,
  payload: string,
  answerTopic: string,
  timeoutMs = 10_000,
): Promise<Received> {
  client.drain(answerTopic);
  await client.publish(topic, payload);
  return client.until(answerTopic, (m) => !m.retain, timeoutMs);
}

/** Reads a pin of thing t1 (or `thing`) and returns the level it reports. */
export async function read(client: TestClient, pin: number | string, thing = 't1'): Promise<string> {
  const m = await request(client, `gpio/${thing}/${pin}/read`, '', `gpio/${thing}/${pin}/state`);
  return m.payload;
}

/** The error object published for a request, checked to have exactly the doc's three keys. */
export async function expectError(client: TestClient, topic: string, payload: string, thing = 't1'): Promise<Json> {
  const m = await request(client, topic, payload, `gpio/${thing}/error`);
  const parsed: unknown = JSON.parse(m.payload);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`error payload is not a JSON object: ${m.payload}`);
  }
  expect(Object.keys(parsed).sort()).toEqual(['error', 'long_description', 'topic']);
  return parsed as Json;
}
