/**
 * Home Assistant MQTT discovery, as plain data: which config message goes to
 * which topic. Follows Home Assistant's single-component discovery: topic
 * `<prefix>/<component>/<node_id>/<object_id>/config`, a retained JSON
 * payload, an empty retained payload to remove an entity.
 */
import type { PinSpec } from './model';
import { formatLevel } from './payload';
import { countTopic, pwmStateTopic, pwmTopic, stateTopic, statusTopic, writeTopic } from './topics';

export interface DiscoveryMessage {
  readonly topic: string;
  /** JSON text; the empty string removes the entity. */
  readonly payload: string;
}

export interface DiscoveryOptions {
  readonly prefix: string;
  readonly qos: 0 | 1;
  /** This service's version: the device's `sw_version` and the origin's. */
  readonly version: string;
}

export type Component = 'binary_sensor' | 'switch' | 'sensor' | 'light';

export const ORIGIN_NAME = 'rpi-gpio-connector';

/** FNV-1a, 32 bits: a short stable fingerprint, no crypto needed. */
const fnv1a = (s: string): string => {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
};

/**
 * The node id of a thing: Home Assistant allows only `[a-zA-Z0-9_-]` there.
 * A thing name with other characters is mapped to `_` plus a fingerprint of
 * the whole name, so `a.b` and `a_b` stay two devices.
 */
export const nodeId = (thing: string): string => {
  const safe = thing.replace(/[^a-zA-Z0-9_-]/g, '_');
  return `rpi-gpio-connector_${safe === thing ? safe : `${safe}_${fnv1a(thing)}`}`;
};

/** An input is a binary_sensor; an output a switch, or, with `pwm:`, a dimmable light. */
export const componentOf = (spec: PinSpec): Component => (spec.direction === 'input' ? 'binary_sensor' : spec.pwm === undefined ? 'switch' : 'light');

/** Stable across restarts and unique per thing and pin: what Home Assistant keys the entity on. */
export const uniqueId = (thing: string, pin: number): string => `${nodeId(thing)}_gpio${pin}`;

export const configTopic = (prefix: string, component: Component, thing: string, pin: number): string =>
  `${prefix}/${component}/${nodeId(thing)}/gpio${pin}/config`;

/** Home Assistant's birth and last-will topic: `online` there means "announce again". */
export const birthTopic = (prefix: string): string => `${prefix}/status`;

/** Every config topic this thing could have announced, so stale ones can be found and removed. */
export const ownConfigFilters = (prefix: string, thing: string, components: ReadonlyArray<Component> = ['binary_sensor', 'switch', 'sensor']): ReadonlyArray<string> =>
  components.map((c) => `${prefix}/${c}/${nodeId(thing)}/+/config`);

/** Every component an entity of this service can be: what the adapter watches for stale configs. */
export const ALL_COMPONENTS: ReadonlyArray<Component> = ['binary_sensor', 'switch', 'sensor', 'light'];

/**
 * A PWM output as a light with brightness (Home Assistant's default light
 * schema), so a dimmer works with no YAML: on/off is a write of 1 or 0, the
 * brightness (0..100, `brightness_scale`) goes to the pwm topic as a
 * percentage (`50%`), and both are read back from the JSON on `pwm/state`.
 * `on_command_type: brightness`: turning it on sends only the brightness.
 */
const lightKeys = (thing: string, pin: number): Record<string, unknown> => ({
  command_topic: writeTopic(thing, pin),
  payload_on: formatLevel(1),
  payload_off: formatLevel(0),
  state_topic: pwmStateTopic(thing, pin),
  state_value_template: "{{ '1' if value_json.duty > 0 else '0' }}",
  brightness_command_topic: pwmTopic(thing, pin),
  brightness_command_template: '{{ value }}%',
  brightness_scale: 100,
  brightness_state_topic: pwmStateTopic(thing, pin),
  brightness_value_template: '{{ (value_json.duty * 100) | round(0) | int }}',
  on_command_type: 'brightness',
  optimistic: false,
  retain: false,
});

/** The config payload of one pin's entity, with Home Assistant's full key names. */
export const entityConfig = (thing: string, spec: PinSpec, o: DiscoveryOptions): Record<string, unknown> => {
  const { pin } = spec;
  const on = formatLevel(1);
  const off = formatLevel(0);
  return {
    name: spec.name ?? `GPIO ${pin}`,
    unique_id: uniqueId(thing, pin),
    // A light has no device_class.
    ...(spec.deviceClass === undefined || componentOf(spec) === 'light' ? {} : { device_class: spec.deviceClass }),
    ...(spec.direction === 'output' && spec.pwm !== undefined
      ? lightKeys(thing, pin)
      : {
          state_topic: stateTopic(thing, pin),
          ...(spec.direction === 'input'
            ? { payload_on: on, payload_off: off }
            : // Home Assistant publishes payload_on/off to command_topic: a write of 1 or 0, not retained.
              { command_topic: `gpio/${thing}/${pin}/write`, payload_on: on, payload_off: off, state_on: on, state_off: off, optimistic: false, retain: false }),
        }),
    availability_topic: statusTopic(thing),
    payload_available: 'online',
    payload_not_available: 'offline',
    qos: o.qos,
    device: {
      identifiers: [nodeId(thing)],
      name: thing,
      manufacturer: 'rpi-gpio-connector',
      model: 'GPIO-to-MQTT bridge',
      sw_version: o.version,
    },
    origin: { name: ORIGIN_NAME, sw_version: o.version },
  };
};

/**
 * A counting input's count, as a `sensor` with `state_class:
 * total_increasing`: Home Assistant reads a drop (the count starting at 0
 * with the service) as a new meter cycle, so its statistics add up across
 * restarts.
 */
export const countConfig = (thing: string, spec: PinSpec, o: DiscoveryOptions): Record<string, unknown> => {
  const base = entityConfig(thing, spec, o);
  return {
    name: `${spec.name ?? `GPIO ${spec.pin}`} count`,
    unique_id: `${uniqueId(thing, spec.pin)}_count`,
    state_topic: countTopic(thing, spec.pin),
    state_class: 'total_increasing',
    availability_topic: base['availability_topic'],
    payload_available: base['payload_available'],
    payload_not_available: base['payload_not_available'],
    qos: o.qos,
    device: base['device'],
    origin: base['origin'],
  };
};

/** One retained config message per pin (inputs as binary_sensors, outputs as switches), and a sensor per counter. */
export const announcements = (thing: string, pins: ReadonlyArray<PinSpec>, o: DiscoveryOptions): ReadonlyArray<DiscoveryMessage> =>
  pins.flatMap((spec) => [
    { topic: configTopic(o.prefix, componentOf(spec), thing, spec.pin), payload: JSON.stringify(entityConfig(thing, spec, o)) },
    ...(spec.direction === 'input' && spec.count !== undefined
      ? [{ topic: `${o.prefix}/sensor/${nodeId(thing)}/gpio${spec.pin}_count/config`, payload: JSON.stringify(countConfig(thing, spec, o)) }]
      : []),
  ]);

/**
 * A config message the broker holds for this thing that no configured pin
 * announces (a pin removed, or moved from input to output): it must be
 * cleared, or Home Assistant keeps an entity that never updates.
 */
export const isStale = (topic: string, payload: string, announced: ReadonlySet<string>): boolean =>
  payload !== '' && !announced.has(topic);
