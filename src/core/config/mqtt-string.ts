/**
 * Strings that end up in MQTT packets (the thing name in every topic, the
 * client id) must be text every broker takes. MQTT forbids U+0000 and says
 * strings SHOULD NOT hold control characters or non-characters (MQTT 3.1.1
 * and 5.0, section 1.5.3); Mosquitto refuses them, and a service whose every
 * connection is refused can only loop. A lone surrogate (YAML `"\ud800"`) has
 * no UTF-8 form at all.
 */

const isForbidden = (cp: number): boolean =>
  cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || // C0, DEL, C1
  (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe || // non-characters
  (cp >= 0xd800 && cp <= 0xdfff); // a surrogate left alone (a pair is one code point here)

/** The first character MQTT forbids or brokers refuse, as `U+0009`, or undefined. */
export const forbiddenCharacter = (s: string): string | undefined => {
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isForbidden(cp)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
};

/** The length of `s` in UTF-8 bytes, the unit MQTT's limits are in. */
export const utf8Bytes = (s: string): number => {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
};
