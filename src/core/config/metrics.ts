import * as t from 'io-ts';
import type { MetricsConfig } from '../model';
import { integerIn } from './codecs';
import { problem, type Problems } from './problems';

/** Where the metrics endpoint listens unless `metrics.host` says otherwise: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * `metrics:` switches the Prometheus endpoint on; its port is required (there
 * is no default to collide with), its host defaults to loopback. A host other
 * than loopback is the user's explicit choice: nothing on the endpoint can
 * switch a pin, but it tells anyone who can reach it what the service does.
 */
export const Metrics = t.partial(
  {
    port: integerIn(1, 65535),
    host: t.string,
  },
  'a mapping like {port: 9464}',
);

export type Metrics = t.TypeOf<typeof Metrics>;

/** Addresses that listen on every interface, so they take the port on loopback too. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * Cross-field problems: an empty host (Node would listen on every
 * interface), and the embedded broker's own port on an address both would
 * take (the second listener would fail at start-up).
 */
export const checkMetrics = (m: Metrics, broker: { readonly host: string; readonly port: number } | undefined): Problems => {
  const problems: string[] = [];
  const host = m.host ?? DEFAULT_METRICS_HOST;
  if (host.trim() === '') {
    problems.push(problem('metrics.host', 'must not be empty: give the address to listen on, 127.0.0.1 for this machine only (an empty host listens on every interface)'));
  }
  if (broker !== undefined && m.port === broker.port && (host === broker.host || WILDCARD.has(host) || WILDCARD.has(broker.host))) {
    problems.push(problem('metrics.port', `${m.port} is the embedded broker's port (mqtt.port): give the metrics endpoint a port of its own, 9464 say`));
  }
  return problems;
};

/** The endpoint's settings, or nothing when `metrics:` is absent (metrics off). */
export const metricsConfig = (m: Metrics | undefined): MetricsConfig | undefined =>
  m?.port === undefined ? undefined : { port: m.port, host: m.host ?? DEFAULT_METRICS_HOST };
