import { TestClient, type Received } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { START_LEVELS } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// Home Assistant MQTT discovery end to end: the built service, a real
// Mosquitto, and the announced payloads checked field by field against Home
// Assistant's MQTT discovery documentation (binary_sensor.mqtt, switch.mqtt,
// and the discovery section of the mqtt integration page).
jest.setTimeout(60_000);
afterEach(cleanupAll);

/** The documented discovery abbreviations this check knows; a payload may use either form. */
const ABBREVIATIONS: Record<string, string> = {
  avty_t: 'availability_topic', pl_avail: 'payload_available', pl_not_avail: 'payload_not_available', cmd_t: 'command_topic',
  stat_t: 'state_topic', pl_on: 'payload_on', pl_off: 'payload_off', stat_on: 'state_on', stat_off: 'state_off',
  uniq_id: 'unique_id', dev_cla: 'device_class', dev: 'device', o: 'origin', opt: 'optimistic', ret: 'retain',
};
const DEVICE_ABBREVIATIONS: Record<string, string> = { ids: 'identifiers', mf: 'manufacturer', mdl: 'model', mdl_id: 'model_id', sw: 'sw_version', hw: 'hw_version', sa: 'suggested_area', sn: 'serial_number', cu: 'configuration_url', cns: 'connections' };
const ORIGIN_ABBREVIATIONS: Record<string, string> = { sw: 'sw_version', url: 'support_url' };

/** The configuration variables each platform documents. */
const COMMON = [
  'availability', 'availability_mode', 'availability_template', 'availability_topic', 'device', 'device_class', 'enabled_by_default',
  'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id',
  'default_entity_id', 'origin', 'payload_available', 'payload_not_available', 'payload_off', 'payload_on', 'platform', 'qos',
  'state_topic', 'unique_id', 'value_template',
];
const DOCUMENTED: Record<string, ReadonlyArray<string>> = {
  binary_sensor: [...COMMON, 'expire_after', 'force_update', 'off_delay'],
  switch: [...COMMON, 'command_template', 'command_topic', 'optimistic', 'retain', 'state_off', 'state_on'],
};
const DEVICE_KEYS = ['configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name', 'serial_number', 'suggested_area', 'sw_version', 'via_device'];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
const BINARY_SENSOR_CLASSES = ['battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper', 'update', 'vibration', 'window'];
/** `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids from `[a-zA-Z0-9_-]`. */
const TOPIC = /^homeassistant\/(binary_sensor|switch)\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)\/config$/;

type Json = Record<string, unknown>;
const expand = (o: Json, map: Record<string, string>): Json => Object.fromEntries(Object.entries(o).map(([k, v]) => [map[k] ?? k, v]));
const isJson = (u: unknown): u is Json => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Checks one discovery message against the documentation; returns the expanded payload. */
function checkAgainstDocs(m: Received): { component: string; node: string; object: string; config: Json } {
  const match = TOPIC.exec(m.topic);
  if (match === null) throw new Error(`not a discovery topic: ${m.topic}`);
  const [, component = '', node = '', object = ''] = match;
  const parsed: unknown = JSON.parse(m.payload);
  if (!isJson(parsed)) throw new Error(`payload is not a JSON dictionary: ${m.payload}`);
  const config = expand(parsed, ABBREVIATIONS);
  const undocumented = Object.keys(config).filter((k) => !DOCUMENTED[component]?.includes(k));
  expect({ topic: m.topic, undocumented }).toEqual({ topic: m.topic, undocumented: [] });
  for (const key of ['state_topic', 'availability_topic', 'payload_available', 'payload_not_available', 'payload_on', 'payload_off', 'unique_id', 'name']) {
    expect({ key, type: typeof config[key] }).toEqual({ key, type: 'string' });
  }
  expect([0, 1, 2]).toContain(config['qos']);
  if (component === 'switch') {
    expect(typeof config['command_topic']).toBe('string');
    expect(config['retain']).toBe(false); // a retained command would be ignored by the service
  }
  if (config['device_class'] !== undefined) {
    expect(component === 'switch' ? ['outlet', 'switch'] : BINARY_SENSOR_CLASSES).toContain(config['device_class']);
  }
  const device = isJson(config['device']) ? expand(config['device'], DEVICE_ABBREVIATIONS) : {};
  expect(Object.keys(device).filter((k) => !DEVICE_KEYS.includes(k))).toEqual([]);
  expect(Array.isArray(device['identifiers']) && device['identifiers'].length > 0).toBe(true);
  const origin = isJson(config['origin']) ? expand(config['origin'], ORIGIN_ABBREVIATIONS) : {};
  expect(Object.keys(origin).filter((k) => !ORIGIN_KEYS.includes(k))).toEqual([]);
  expect(typeof origin['name']).toBe('string'); // required when origin is given
  return { component, node, object, config: { ...config, device, origin } };
}

const CONFIG = {
  thingName: 't1',
  InputGpios: '6U,7D',
  OutputGpios: '9,27L',
  pins: [
    { pin: 5, direction: 'input', name: 'Front door', deviceClass: 'door' },
    { pin: 8, direction: 'output', initial: 'high', name: 'Pump', deviceClass: 'outlet' },
  ],
  InputPollPeriod: 50,
  gpio: { driver: 'sim' },
  homeAssistant: { discovery: true },
};
const DISCOVERY = 'homeassistant/+/+/+/config';

/** Every retained discovery config a newly subscribing client gets, by topic. */
async function retainedConfigs(url: string, settleMs = 500): Promise<Map<string, string>> {
  const c = await TestClient.connect(url);
  await c.subscribe(DISCOVERY);
  await sleep(settleMs);
  const out = new Map(c.received.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
  await c.end();
  return out;
}

describe('Home Assistant discovery through Mosquitto', () => {
  it('announces each input as a binary_sensor and each output as a switch, as the documentation says', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start({ ...CONFIG, mqtt: { url: broker.url } });
    await service.ready();
    await service.waitForLog((l) => l['msg'] === 'announced to Home Assistant');

    const retained = await retainedConfigs(broker.url);
    expect(retained.size).toBe(6);
    const checked = [...retained.entries()].map(([topic, payload]) => checkAgainstDocs({ topic, payload, retain: true }));
    const byPin = new Map(checked.map((c) => [Number(/^gpio(\d+)$/.exec(c.object)?.[1]), c]));
    expect([...byPin.keys()].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 27]);
    for (const [pin, c] of byPin) {
      expect({ pin, component: c.component }).toEqual({ pin, component: [5, 6, 7].includes(pin) ? 'binary_sensor' : 'switch' });
      expect(c.config['state_topic']).toBe(`gpio/t1/${pin}/state`);
      expect(c.config['availability_topic']).toBe('gpio/t1/status');
      expect([c.config['payload_on'], c.config['payload_off']]).toEqual(['1', '0']);
      if (c.component === 'switch') expect(c.config['command_topic']).toBe(`gpio/t1/${pin}/write`);
    }
    // One device per thing: every entity has the same device, with name, model and software version.
    const devices = new Set(checked.map((c) => JSON.stringify(c.config['device'])));
    expect(devices.size).toBe(1);
    expect(byPin.get(5)?.config['device']).toMatchObject({ name: 't1', model: expect.any(String), sw_version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    // Unique ids: distinct, and per-pin names and classes as configured.
    expect(new Set(checked.map((c) => c.config['unique_id'])).size).toBe(6);
    expect(byPin.get(5)?.config).toMatchObject({ name: 'Front door', device_class: 'door' });
    expect(byPin.get(8)?.config).toMatchObject({ name: 'Pump', device_class: 'outlet' });
    expect(byPin.get(6)?.config['name']).toBe('GPIO 6');

    // What Home Assistant then sees: availability online, every state retained, matching payload_on/off.
    const ha = await TestClient.connect(broker.url);
    await ha.subscribe(['gpio/t1/status', 'gpio/t1/+/state']);
    expect((await ha.next('gpio/t1/status')).payload).toBe('online');
    for (const [pin, level] of Object.entries(START_LEVELS)) {
      const m = await ha.next(`gpio/t1/${pin}/state`);
      expect({ pin, payload: m.payload, retain: m.retain }).toEqual({ pin, payload: level, retain: true });
    }
    // Switching as Home Assistant does: payload_on to command_topic, state_on comes back.
    const pump = byPin.get(27)?.config ?? {};
    await ha.publish(String(pump['command_topic']), String(pump['payload_on']), { qos: 0 });
    expect((await ha.until('gpio/t1/27/state', (m) => !m.retain)).payload).toBe(pump['state_on']);

    // The entity ids stay the same across a restart.
    service.kill('SIGTERM');
    expect((await service.waitForExit()).code).toBe(0);
    const again = await Service.start({ ...CONFIG, mqtt: { url: broker.url } });
    await again.ready();
    await again.waitForLog((l) => l['msg'] === 'announced to Home Assistant');
    const after = await retainedConfigs(broker.url);
    expect([...after.keys()].sort()).toEqual([...retained.keys()].sort());
    expect([...after.values()].map((p) => (JSON.parse(p) as Json)['unique_id']).sort()).toEqual(checked.map((c) => c.config['unique_id']).sort());
  });

  it('announces again, with every state, when Home Assistant publishes online on homeassistant/status', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start({ ...CONFIG, mqtt: { url: broker.url } });
    await service.ready();
    const ha = await TestClient.connect(broker.url);
    await ha.subscribe([DISCOVERY, 'gpio/t1/+/state']);
    await sleep(500);
    ha.drain();

    await ha.publish('homeassistant/status', 'online', { qos: 0 });
    const configs = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (configs.size < 6 && Date.now() < deadline) {
      await sleep(50);
      for (const m of ha.received) if (!m.retain && TOPIC.test(m.topic) && m.payload !== '') configs.add(m.topic);
    }
    expect(configs.size).toBe(6);
    for (const [pin, level] of Object.entries(START_LEVELS)) {
      expect((await ha.until(`gpio/t1/${pin}/state`, (m) => !m.retain)).payload).toBe(level);
    }
    // Home Assistant's last will (offline) is not a reason to announce.
    ha.drain();
    const before = service.logs.filter((l) => l['msg'] === 'Home Assistant is online: announcing again').length;
    await ha.publish('homeassistant/status', 'offline', { qos: 1 });
    await ha.publish('gpio/t1/9/read', ''); // a request after it, to know the service has seen it
    await ha.until('gpio/t1/9/state', (m) => !m.retain);
    expect(service.logs.filter((l) => l['msg'] === 'Home Assistant is online: announcing again').length).toBe(before);
    // And no discovery message was taken for a request.
    expect(service.logs.filter((l) => l['level'] === 'warn')).toEqual([]);
  });

  it('removes the entities of pins no longer configured, and only those', async () => {
    const broker = await Mosquitto.start();
    const first = await Service.start({ ...CONFIG, mqtt: { url: broker.url } });
    await first.ready();
    await first.waitForLog((l) => l['msg'] === 'announced to Home Assistant');
    first.kill('SIGTERM');
    await first.waitForExit();
    const before = await retainedConfigs(broker.url);
    expect(before.size).toBe(6);

    // Pin 7 is gone, pin 9 became an input, pin 5 is unchanged.
    const changed = { ...CONFIG, InputGpios: '6U,9', OutputGpios: '27L', mqtt: { url: broker.url } };
    const second = await Service.start(changed);
    await second.ready();
    await second.waitForLog((l) => l['msg'] === 'removing the Home Assistant entity of a pin no longer configured' && String(l['topic']).endsWith('/gpio7/config'));
    await second.waitForLog((l) => l['msg'] === 'removing the Home Assistant entity of a pin no longer configured' && String(l['topic']).includes('/switch/') && String(l['topic']).endsWith('/gpio9/config'));
    // The log line comes just before the empty retained publish: look until the broker holds the result.
    const expected = ['binary_sensor gpio5', 'binary_sensor gpio6', 'binary_sensor gpio9', 'switch gpio27', 'switch gpio8'];
    let objects: string[] = [];
    for (let i = 0; i < 10 && JSON.stringify(objects) !== JSON.stringify(expected); i++) {
      const after = await retainedConfigs(broker.url, 300);
      objects = [...after.keys()].map((t) => t.replace(/^homeassistant\/([^/]+)\/[^/]+\/([^/]+)\/config$/, '$1 $2')).sort();
    }
    expect(objects).toEqual(expected);
  });

  it('keeps states unretained when discovery is on and retainState is false', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start({ ...CONFIG, mqtt: { url: broker.url, retainState: false } });
    await service.ready();
    await sleep(300);
    const late = await TestClient.connect(broker.url);
    await late.subscribe('gpio/t1/+/state');
    await sleep(500);
    expect(late.received.filter((m) => m.retain)).toEqual([]);
  });
});
