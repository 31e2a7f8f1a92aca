import type { MqttClient } from 'mqtt';
import type { Request } from '../../core/requests';

/** If the service's own status never comes back, the queue is taken as drained after this long. */
const DRAIN_FALLBACK_MS = 10_000;

/**
 * Marks the requests that waited in the service's persistent session.
 *
 * When the broker resumes a session (CONNACK "session present") it first
 * delivers what it queued for the service while it was away, in order. The
 * service publishes `online` on its status topic on every connect and is
 * subscribed to it, so its own `online` comes back after everything queued
 * before it: every request between the CONNACK and that echo waited in the
 * queue. Without a resumed session nothing is marked.
 *
 * Call it when the client is made: the first CONNACK, after a restart of the
 * service, is the one most likely to resume a session.
 */
export const trackQueue = (client: MqttClient, statusTopic: string): ((request: Request) => Request) => {
  let draining = false;
  let fallback: NodeJS.Timeout | undefined;
  const drained = (): void => {
    draining = false;
    if (fallback !== undefined) clearTimeout(fallback);
    fallback = undefined;
  };
  client.on('connect', (connack: { sessionPresent?: boolean }) => {
    drained();
    if (connack.sessionPresent !== true) return;
    draining = true;
    fallback = setTimeout(drained, DRAIN_FALLBACK_MS);
    fallback.unref();
  });
  client.on('message', (topic: string, payload: Buffer) => {
    if (draining && topic === statusTopic && payload.toString('utf8') === 'online') drained();
  });
  client.on('close', drained);
  return (r) => (draining ? { ...r, queued: true } : r);
};
