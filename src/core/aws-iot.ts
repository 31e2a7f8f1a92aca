/**
 * AWS IoT Core specifics, as pure functions on names: no network here.
 */

/** The ALPN protocol AWS IoT Core requires for MQTT with X.509 client certificates on port 443. */
export const IOT_CORE_ALPN = 'x-amzn-mqtt-ca';

/** AWS IoT Core's limit on the client id, in bytes. */
export const IOT_CORE_MAX_CLIENT_ID = 128;

/** `<prefix>-ats.iot.<region>.amazonaws.com` (and `.amazonaws.com.cn` in China): an IoT Core data endpoint. */
export const isIotCoreEndpoint = (host: string): boolean =>
  /^[a-z0-9]+(-ats)?\.iot\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\.?$/i.test(host);

/**
 * The ALPN protocols to offer for a broker URL: the configured ones if any
 * (an empty list offers none); otherwise `x-amzn-mqtt-ca` for `mqtts://` to an
 * IoT Core endpoint on port 443, and none for anything else.
 */
export const alpnProtocols = (url: string, configured: ReadonlyArray<string> | undefined): ReadonlyArray<string> => {
  if (configured !== undefined) return configured;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  return u.protocol === 'mqtts:' && u.port === '443' && isIotCoreEndpoint(u.hostname) ? [IOT_CORE_ALPN] : [];
};

/** Warnings about a config that is valid but would be refused by AWS IoT Core. */
export const clientIdWarnings = (clientId: string): ReadonlyArray<string> => {
  const bytes = new TextEncoder().encode(clientId).length;
  return bytes > IOT_CORE_MAX_CLIENT_ID
    ? [`mqtt.clientId is ${bytes} bytes long: AWS IoT Core refuses client ids over ${IOT_CORE_MAX_CLIENT_ID} bytes (set a shorter mqtt.clientId or thingName)`]
    : [];
};
