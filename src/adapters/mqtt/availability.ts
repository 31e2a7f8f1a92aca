import type { MqttClient } from 'mqtt';
import { Subject } from 'rxjs';
import { rateLimit } from '../../streams/log-limits';
import type { Logger } from '../log/logger';

/**
 * How long the connection must outlast a status other than `online` before
 * the service calls it another client's and restores `online`. A broker that
 * stops (Mosquitto on SIGTERM) delivers every client's last will to the
 * subscribers, the service's own `offline` to the service too, and closes the
 * sockets about a millisecond later: that is the connection ending, and the
 * reconnect publishes `online` anyway.
 */
export const SETTLE_MS = 1000;

/**
 * Keeps the service's own availability true while it runs. Anyone with
 * access to the broker can publish a retained `offline` on the status topic,
 * and a second service with the same thingName does so when it stops: the
 * thing would then look dead while it works. The service listens on its
 * status topic and, whenever another value than `online` is stored there and
 * the connection outlasts it by {@link SETTLE_MS}, publishes `online` again.
 * Not while it stops: then `offline` is true.
 *
 * What arrives on the status topic after a CONNACK and before the service's
 * own `online` of that connection comes back is older than that `online`,
 * which has replaced it: the retained value delivered on (re)subscribing, a
 * delivery the session kept. After a broker restart that is often the
 * service's own will, kept by the broker's persistence.
 */
export const keepOnline = (
  client: MqttClient,
  deps: { readonly statusTopic: string; readonly qos: 0 | 1; readonly log: Logger; readonly isStopping: () => boolean },
): void => {
  const restored$ = new Subject<string>();
  restored$.pipe(rateLimit(5, 60_000)).subscribe((l) => {
    if (l._tag === 'Each') {
      deps.log.warn(`another client set ${deps.statusTopic} to ${JSON.stringify(l.value)} while the service runs: restored "online"`, { topic: deps.statusTopic });
    } else deps.log.warn(`${l.count} more changes of ${deps.statusTopic} by other clients in the last minute, each restored to "online"`, { count: l.count });
  });
  // Counts closed connections: a status seen on one connection is not restored on the next.
  let closes = 0;
  client.on('close', () => {
    closes += 1;
  });
  // Whether this connection's `online` has come back: the broker delivers in the order it stores.
  let echoed = false;
  client.on('connect', () => {
    echoed = false;
  });
  client.on('message', (topic: string, payload: Buffer) => {
    if (topic !== deps.statusTopic || deps.isStopping() || !client.connected) return;
    const value = payload.toString('utf8');
    if (value === 'online') {
      echoed = true;
      return;
    }
    if (!echoed) return;
    const seenOn = closes;
    const restore = (): void => {
      if (closes !== seenOn || deps.isStopping() || !client.connected) return;
      restored$.next(value.length > 64 ? `${value.slice(0, 64)}…` : value);
      client.publish(deps.statusTopic, 'online', { qos: deps.qos, retain: true });
    };
    // setImmediate after the timer: were the event loop held up past the timer, a close
    // already waiting on the socket is read (poll phase) before the check runs.
    setTimeout(() => setImmediate(restore), SETTLE_MS).unref();
  });
};
