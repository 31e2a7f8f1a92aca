import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import { announcements, configTopic, entityConfig, isStale, nodeId, ownConfigFilters, uniqueId } from '../../src/core/discovery';
import type { Config } from '../../src/core/model';
import { input, output } from './config-fixtures';

const env = {};
const right = (raw: unknown): Config => {
  const r = decodeConfig(raw, env);
  if (E.isLeft(r)) throw new Error(r.left.join('\n'));
  return r.right;
};
const problems = (raw: unknown): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const options = { prefix: 'homeassistant', qos: 1 as const, version: '9.9.9' };
/** Home Assistant's character class for node_id and object_id. */
const ID = /^[a-zA-Z0-9_-]+$/;

describe('Home Assistant discovery: ids and topics', () => {
  it('keeps a plain thing name in the node id, and is stable', () => {
    expect(nodeId('my-pi_2')).toBe('rpi-gpio-connector_my-pi_2');
    expect(uniqueId('my-pi', 17)).toBe('rpi-gpio-connector_my-pi_gpio17');
    expect(uniqueId('my-pi', 17)).toBe(uniqueId('my-pi', 17));
  });

  it('maps other characters to _ with a fingerprint, so two things never share a device', () => {
    const a = nodeId('a.b');
    const b = nodeId('a_b');
    const c = nodeId('a:b');
    expect(a).toMatch(ID);
    expect(c).toMatch(ID);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(nodeId('Küche 1')).toMatch(ID);
  });

  it('puts inputs under binary_sensor and outputs under switch, object id gpio<pin>', () => {
    expect(configTopic('homeassistant', 'switch', 'pi', 8)).toBe('homeassistant/switch/rpi-gpio-connector_pi/gpio8/config');
    const topics = announcements('pi', [input(5), output(8)], options).map((m) => m.topic);
    expect(topics).toEqual([
      'homeassistant/binary_sensor/rpi-gpio-connector_pi/gpio5/config',
      'homeassistant/switch/rpi-gpio-connector_pi/gpio8/config',
    ]);
    expect(ownConfigFilters('ha', 'pi')).toEqual([
      'ha/binary_sensor/rpi-gpio-connector_pi/+/config',
      'ha/switch/rpi-gpio-connector_pi/+/config',
      'ha/sensor/rpi-gpio-connector_pi/+/config',
    ]);
  });

  it('announces a counting input\'s count as a total_increasing sensor, so a restart to 0 is a new meter cycle', () => {
    const meter = { ...input(27), count: 'rising' as const, name: 'Water' };
    const messages = announcements('pi', [meter], options);
    expect(messages.map((m) => m.topic)).toEqual([
      'homeassistant/binary_sensor/rpi-gpio-connector_pi/gpio27/config',
      'homeassistant/sensor/rpi-gpio-connector_pi/gpio27_count/config',
    ]);
    expect(JSON.parse((messages[1] as { payload: string }).payload)).toMatchObject({
      name: 'Water count',
      unique_id: 'rpi-gpio-connector_pi_gpio27_count',
      state_topic: 'gpio/pi/27/count',
      state_class: 'total_increasing',
      availability_topic: 'gpio/pi/status',
      device: { identifiers: ['rpi-gpio-connector_pi'] },
    });
  });

  it('finds stale configs: announced by no configured pin, and not already empty', () => {
    const announced = new Set(['p/switch/n/gpio8/config']);
    expect(isStale('p/switch/n/gpio8/config', '{}', announced)).toBe(false);
    expect(isStale('p/switch/n/gpio9/config', '{}', announced)).toBe(true);
    expect(isStale('p/switch/n/gpio9/config', '', announced)).toBe(false);
  });
});

describe('Home Assistant discovery: payloads', () => {
  it('announces an input as a binary_sensor with "1"/"0" and the availability topic', () => {
    expect(entityConfig('pi', { ...input(5), name: 'Door', deviceClass: 'door' }, options)).toEqual({
      name: 'Door',
      unique_id: 'rpi-gpio-connector_pi_gpio5',
      device_class: 'door',
      state_topic: 'gpio/pi/5/state',
      payload_on: '1',
      payload_off: '0',
      availability_topic: 'gpio/pi/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      qos: 1,
      device: { identifiers: ['rpi-gpio-connector_pi'], name: 'pi', manufacturer: 'rpi-gpio-connector', model: 'GPIO-to-MQTT bridge', sw_version: '9.9.9' },
      origin: { name: 'rpi-gpio-connector', sw_version: '9.9.9' },
    });
  });

  it('announces an output as a switch commanded on its write topic; default name GPIO <pin>, no device_class', () => {
    const c = entityConfig('pi', output(8), { ...options, qos: 0 });
    expect(c).toMatchObject({
      name: 'GPIO 8',
      command_topic: 'gpio/pi/8/write',
      state_topic: 'gpio/pi/8/state',
      payload_on: '1',
      payload_off: '0',
      state_on: '1',
      state_off: '0',
      retain: false,
      qos: 0,
    });
    expect(c).not.toHaveProperty('device_class');
  });
});

describe('decodeConfig: homeAssistant', () => {
  const base = { thingName: 'pi', InputGpios: '5', OutputGpios: '8' };

  it('is off by default, and states are not retained', () => {
    const c = right(base);
    expect(c.homeAssistant).toBeUndefined();
    expect(c.mqtt.retainState).toBe(false);
  });

  it('turns on with one key, prefix homeassistant, states retained', () => {
    const c = right({ ...base, homeAssistant: { discovery: true } });
    expect(c.homeAssistant).toEqual({ prefix: 'homeassistant' });
    expect(c.mqtt.retainState).toBe(true);
  });

  it('keeps retainState: false when the user says so, and takes another prefix', () => {
    const c = right({ ...base, homeAssistant: { discovery: true, prefix: 'ha/disc' }, mqtt: { retainState: false } });
    expect(c.homeAssistant).toEqual({ prefix: 'ha/disc' });
    expect(c.mqtt.retainState).toBe(false);
  });

  it('takes a per-pin name and deviceClass', () => {
    const c = right({
      thingName: 'pi',
      pins: [
        { pin: 5, direction: 'input', name: 'Front door', deviceClass: 'door' },
        { pin: 8, direction: 'output', deviceClass: 'outlet' },
      ],
    });
    expect(c.pins).toEqual([
      { ...input(5), name: 'Front door', deviceClass: 'door', edge: 'both' },
      { ...output(8), deviceClass: 'outlet' },
    ]);
  });

  it('reports every problem by its path', () => {
    expect(
      problems({
        thingName: 'pi',
        pins: [
          { pin: 5, direction: 'input', deviceClass: 'outlet' },
          { pin: 8, direction: 'output', deviceClass: 'door', name: '' },
          { pin: 9, direction: 'output', device_class: 'switch' },
        ],
        homeAssistant: { discovery: 'yes', prefix: 'ha/#', discover: true },
      }),
    ).toEqual([
      'pins[0].deviceClass: "outlet" is a switch class; an input is a binary_sensor',
      'pins[1].name: expected a non-empty one-line name, got ""',
      'pins[1].deviceClass: an output is a switch: outlet or switch, got "door"',
      'pins[2].device_class: unknown key (did you mean deviceClass?)',
      'homeAssistant.discovery: expected boolean, got "yes"',
      'homeAssistant.prefix: expected a topic prefix like homeassistant (no wildcards, no empty level), got "ha/#"',
      'homeAssistant.discover: unknown key (did you mean discovery?)',
    ]);
  });
});
