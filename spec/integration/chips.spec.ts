import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestClient, type Received } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { ROOT, Service } from '../support/service';

// The README's expander example (examples/expander.yaml) run as users run it:
// the built service on the simulated chips (the header's and an MCP23017's),
// against a real Mosquitto. The same configuration on the real kernel's
// gpio-sim: spec/kernel/chips.spec.ts.
jest.setTimeout(90_000);
afterEach(cleanupAll);

type Json = Record<string, unknown>;
const EXAMPLE = join(ROOT, 'examples', 'expander.yaml');
const t = (rest: string): string => `gpio/workshop/${rest}`;
const live = (m: Received): boolean => !m.retain;

const start = async (extra: Json = {}) => {
  const broker = await Mosquitto.start();
  const client = await TestClient.connect(broker.url);
  await client.subscribe(['gpio/workshop/#', 'homeassistant/#']);
  const service = await Service.start({ ...(parse(readFileSync(EXAMPLE, 'utf8')) as Json), mqtt: { url: broker.url }, ...extra });
  const ready = await service.ready();
  return { client, service, ready };
};

describe('lines from two chips: the expander example on the simulated chips, with Mosquitto', () => {
  it('names both chips when it starts, and keeps each chip\'s line 5 its own pin', async () => {
    const { client, service, ready } = await start();
    expect(ready).toMatchObject({ chip: 'simulated chips: auto, mcp23017', inputs: [5, 17, 105, 104], edgeInputs: [17, 105], outputs: [22, 108] });
    expect(service.logs.filter((l) => l['msg'] === 'GPIO chip chosen')).toEqual([]); // the simulated chips are chosen by no rule
    for (const pin of [5, 17, 105, 104, 22, 108]) await client.until(t(`${pin}/state`), live);
    client.drain();

    // The expander's line 5: pin 105, an edge input with events.
    await client.publish(t('105/simulate'), '1');
    expect((await client.until(t('105/state'), live)).payload).toBe('1');
    expect(JSON.parse((await client.next(t('105/event'))).payload)).toMatchObject({ edge: 'rising', level: 1 });
    // The header's GPIO 5, polled: another pin.
    await client.publish(t('5/simulate'), '1');
    expect((await client.until(t('5/state'), live)).payload).toBe('1');
    expect(client.pending(t('105/state'))).toEqual([]);
    // A polled input and an output on the expander.
    await client.publish(t('104/simulate'), '1');
    expect((await client.until(t('104/state'), live)).payload).toBe('1');
    expect((await request(client, t('108/write'), '1', t('108/state'))).payload).toBe('1');
    expect(client.pending(t('error'))).toEqual([]);
  });

  it('announces every pin to Home Assistant under an id of its own, on both chips', async () => {
    const { client } = await start({ homeAssistant: { discovery: true } });
    const announced = (): Json[] =>
      client.received.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config') && m.payload !== '').map((m) => JSON.parse(m.payload) as Json);
    for (const deadline = Date.now() + 20_000; announced().length < 6 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    const configs = announced();
    const ids = configs.map((c) => c['unique_id'] as string);
    expect(new Set(ids).size).toBe(6);
    expect(ids.sort()).toEqual(['5', '17', '22', '104', '105', '108'].map((p) => `rpi-gpio-connector_workshop_gpio${p}`).sort());
  });
});
