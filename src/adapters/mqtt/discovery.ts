import type { MqttClient } from 'mqtt';
import { Subject, type Observable } from 'rxjs';
import { ALL_COMPONENTS, announcements, birthTopic, isStale, nodeId, ownConfigFilters } from '../../core/discovery';
import type { PinSpec } from '../../core/model';
import type { Logger } from '../log/logger';

export interface DiscoveryDeps {
  readonly thing: string;
  readonly pins: ReadonlyArray<PinSpec>;
  readonly prefix: string;
  readonly qos: 0 | 1;
  readonly version: string;
  readonly log: Logger;
}

export interface Discovery {
  /** Emits after each re-announce for Home Assistant's birth: the caller republishes every level. */
  readonly announced$: Observable<void>;
  /** Whether a message belongs to discovery (not a request): Home Assistant's status and our config topics. */
  owns(topic: string): boolean;
}

/**
 * Home Assistant MQTT discovery on a client. On every connect it publishes
 * each pin's config, retained (a broker without persistence forgets them on
 * restart); it listens to Home Assistant's birth message (`online` on
 * `<prefix>/status`) to announce again, and to this thing's own config topics,
 * so that a config the broker still holds for a pin no longer configured is
 * cleared with an empty retained message.
 * Must be called before the client connects, so its configs precede the states.
 */
export const startDiscovery = (client: MqttClient, deps: DiscoveryDeps): Discovery => {
  const messages = announcements(deps.thing, deps.pins, { prefix: deps.prefix, qos: deps.qos, version: deps.version });
  const announced = new Set(messages.map((m) => m.topic));
  const birth = birthTopic(deps.prefix);
  const ownPrefix = `${deps.prefix}/`;
  const ownSuffix = `/${nodeId(deps.thing)}/`;
  const ownsConfig = (topic: string): boolean =>
    topic.startsWith(ownPrefix) && topic.endsWith('/config') && topic.includes(ownSuffix, ownPrefix.length);
  const announced$ = new Subject<void>();

  const announce = (): void => {
    for (const m of messages) {
      client.publish(m.topic, m.payload, { qos: deps.qos, retain: true }, (err) => {
        if (err) deps.log.warn('discovery publish failed', { topic: m.topic, error: err.message });
      });
    }
  };

  client.on('connect', () => {
    announce();
    deps.log.info('announced to Home Assistant', { prefix: deps.prefix, entities: messages.length, device: nodeId(deps.thing) });
  });
  client.once('connect', () => {
    // MQTT.js resubscribes these after a reconnect by itself.
    client.subscribe([birth, ...ownConfigFilters(deps.prefix, deps.thing, ALL_COMPONENTS)], { qos: deps.qos }, (err) => {
      if (err) deps.log.error('discovery subscribe failed', { error: err.message });
    });
  });
  client.on('message', (topic: string, payload: Buffer) => {
    if (topic === birth) {
      if (payload.toString('utf8').trim() !== 'online') return;
      deps.log.info('Home Assistant is online: announcing again', { topic });
      announce();
      announced$.next();
    } else if (ownsConfig(topic) && isStale(topic, payload.toString('utf8'), announced)) {
      deps.log.info('removing the Home Assistant entity of a pin no longer configured', { topic });
      client.publish(topic, '', { qos: deps.qos, retain: true });
    }
  });

  return { announced$, owns: (topic) => topic === birth || ownsConfig(topic) };
};
