import type { MqttClient } from 'mqtt';

/** What the broker answered to the SUBSCRIBE of one filter. */
export type Subscribed =
  | { readonly _tag: 'Granted'; readonly filter: string; readonly qos: number }
  /** A SUBACK return code with the top bit set: 0x80 in MQTT 3.1.1, a reason code of 0x80 or more in MQTT 5. */
  | { readonly _tag: 'Refused'; readonly filter: string; readonly code: number; readonly reason: string }
  /** No SUBACK: the connection went away, or MQTT.js refused to send. */
  | { readonly _tag: 'Failed'; readonly filter: string; readonly error: string };

/**
 * Reads the answer to one filter's SUBSCRIBE from the SUBACK's return code,
 * not from the wording of MQTT.js's error; `granted` is the SUBACK's list of
 * codes (MQTT.js passes the packet to the callback, refused or not).
 */
export const subackOutcome = (filter: string, err: Error | null | undefined, granted: ReadonlyArray<unknown> | undefined): Subscribed => {
  const code = granted?.[0];
  if (typeof code === 'number' && (code & 0x80) !== 0) return { _tag: 'Refused', filter, code, reason: err?.message ?? `SUBACK return code ${code}` };
  if (err !== null && err !== undefined) return { _tag: 'Failed', filter, error: err.message };
  return { _tag: 'Granted', filter, qos: typeof code === 'number' ? code : -1 };
};

/**
 * One SUBSCRIBE per filter, answered each on its own: a broker's ACL (an IoT
 * policy written for the Greengrass connector) may refuse one, and MQTT.js
 * forgets every filter of a refused SUBSCRIBE for its resubscription after a
 * reconnect. Never rejects.
 */
export const subscribeEach = (client: MqttClient, filters: ReadonlyArray<string>, qos: 0 | 1): Promise<Subscribed[]> =>
  Promise.all(
    filters.map(
      (filter) =>
        new Promise<Subscribed>((resolve) =>
          client.subscribe(filter, { qos }, (err, _granted, packet) => resolve(subackOutcome(filter, err, packet?.granted))),
        ),
    ),
  );
