import * as t from 'io-ts';
import type { HomeAssistantConfig } from '../model';
import { show } from './problems';

/** Home Assistant's own default discovery prefix. */
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';

/** Home Assistant's binary_sensor device classes (an input's `deviceClass`). */
export const BINARY_SENSOR_CLASSES = [
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat',
  'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem',
  'running', 'safety', 'smoke', 'sound', 'tamper', 'update', 'vibration', 'window',
] as const;

/** Home Assistant's switch device classes (an output's `deviceClass`). */
export const SWITCH_CLASSES = ['outlet', 'switch'] as const;

export const DEVICE_CLASSES: ReadonlyArray<string> = [...BINARY_SENSOR_CLASSES, ...SWITCH_CLASSES];

/** Whether `deviceClass` is one Home Assistant accepts for a pin of this direction. */
export const fitsDirection = (deviceClass: string, direction: 'input' | 'output'): boolean =>
  (direction === 'input' ? (BINARY_SENSOR_CLASSES as ReadonlyArray<string>) : (SWITCH_CLASSES as ReadonlyArray<string>)).includes(deviceClass);

/** The discovery prefix: topic levels without wildcards, no empty level. */
export const discoveryPrefix = new t.Type<string, string, unknown>(
  'a topic prefix like homeassistant',
  t.string.is,
  (u, c) =>
    // eslint-disable-next-line no-control-regex -- NUL is not allowed in a topic (MQTT 3.1.1, 4.7.3)
    typeof u === 'string' && u !== '' && !/[+#\u0000]/.test(u) && u.split('/').every((level) => level !== '')
      ? t.success(u)
      : t.failure(u, c, `expected a topic prefix like homeassistant (no wildcards, no empty level), got ${show(u)}`),
  t.identity,
);

/** An entity name: a non-empty line of text. */
export const entityName = new t.Type<string, string, unknown>(
  'a name',
  t.string.is,
  (u, c) => (typeof u === 'string' && u.trim() !== '' && !/[\r\n]/.test(u) ? t.success(u) : t.failure(u, c, `expected a non-empty one-line name, got ${show(u)}`)),
  t.identity,
);

/** Discovery on, with its prefix; off gives nothing. */
export const homeAssistantConfig = (h: { readonly discovery?: boolean; readonly prefix?: string }): HomeAssistantConfig | undefined =>
  h.discovery === true ? { prefix: h.prefix ?? DEFAULT_DISCOVERY_PREFIX } : undefined;
