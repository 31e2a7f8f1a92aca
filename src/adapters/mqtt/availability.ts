import type { MqttClient } from 'mqtt';
import { Subject } from 'rxjs';
import { rateLimit } from '../../streams/log-limits';
import type { Logger } from '../log/logger';

/**
 * Keeps the service's own availability true while it runs. Anyone with
 * access to the broker can publish a retained `offline` on the status topic,
 * and a second service with the same thingName does so when it stops: the
 * thing would then look dead while it works. The service listens on its
 * status topic and, whenever another value than `online` is stored there,
 * publishes `online` again. Not while it stops: then `offline` is true.
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
  client.on('message', (topic: string, payload: Buffer) => {
    if (topic !== deps.statusTopic || deps.isStopping() || !client.connected) return;
    const value = payload.toString('utf8');
    if (value === 'online') return;
    restored$.next(value.length > 64 ? `${value.slice(0, 64)}…` : value);
    client.publish(deps.statusTopic, 'online', { qos: deps.qos, retain: true });
  });
};
