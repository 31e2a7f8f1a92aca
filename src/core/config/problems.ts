/**
 * A config problem is one line for a person: `<path>: <message>`.
 * Plain strings, so the caller can print them as they are.
 */
export type Problems = ReadonlyArray<string>;

/** Longer values are cut: a whole mapping in an error line helps nobody. */
const MAX_SHOWN = 60;

/**
 * A received value as the user would write it: JSON, so `"5"` and `5` differ.
 * Never throws, whatever the value (cycles, BigInt, null-prototype objects).
 */
export const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  // JSON has no infinity: YAML's 1e309 would show as null. These are YAML's own spellings.
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
};

/** A key that is not a plain word is quoted, so a problem stays one readable line whatever the key. */
const showKey = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key));

/** `mqtt` + `port` is `mqtt.port`; the top level has the empty path. */
export const keyPath = (parent: string, key: string): string => (parent === '' ? showKey(key) : `${parent}.${showKey(key)}`);

/** `pins` + 2 is `pins[2]`. */
export const indexPath = (parent: string, index: number | string): string => `${parent}[${index}]`;

/** The top level has no key of its own; this is what the user sees instead. */
export const ROOT = '(top level)';

export const problem = (path: string, message: string): string => `${path === '' ? ROOT : path}: ${message}`;

/** A plain mapping, as YAML gives it: an object that is not a list. */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** Reads only own keys, so a key named `constructor` never finds Object's. */
export const own = (record: Readonly<Record<string, unknown>>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;
