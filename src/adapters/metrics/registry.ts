import { Counter, Gauge, Registry } from 'prom-client';
import { ERROR_KINDS, OUTCOMES, PUBLISH_KINDS, REQUEST_KINDS } from '../../core/metrics';
import type { ConnectionFacts, Tally } from './tally';

export interface RegistryDeps {
  readonly tally: Tally;
  readonly connection: () => ConnectionFacts | undefined;
  readonly build: { readonly version: string; readonly driver: string };
}

type Labels = Record<string, string>;

/**
 * A counter whose value is read from the tally when scraped: the running
 * totals live in plain numbers (counting costs an increment), and prom-client
 * writes the exposition format from them.
 */
const counterOf = (registry: Registry, name: string, help: string, labelNames: ReadonlyArray<string>, read: () => Iterable<readonly [Labels, number]>) =>
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });

const gaugeOf = (registry: Registry, name: string, help: string, read: () => number) =>
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });

/**
 * Every metric the service exposes. Process CPU and memory are read here with
 * the names prom-client's default metrics use: those defaults also sample the
 * event loop every 10 ms and observe every garbage collection, which an idle
 * service on a Pi should not pay for.
 */
export const metricsRegistry = ({ tally, connection, build }: RegistryDeps): Registry => {
  const registry = new Registry();
  counterOf(registry, 'gpio_requests_total', 'Requests by kind (read, read_all, write, pulse, simulate) and outcome (ok: answered with a state or, for read_all, the snapshot; rejected: answered on the error topic; ignored: only logged, as retained requests are).', ['kind', 'outcome'], function* () {
    for (const kind of REQUEST_KINDS) for (const outcome of OUTCOMES) yield [{ kind, outcome }, tally.requests[kind][outcome]];
  });
  counterOf(registry, 'gpio_errors_total', 'Messages published on gpio/<thing>/error, by kind.', ['kind'], function* () {
    for (const kind of ERROR_KINDS) yield [{ kind }, tally.errors[kind]];
  });
  counterOf(registry, 'gpio_publishes_total', 'Messages the service sent to the broker, by topic (state, event, count, pins, error, status; other: MQTT 5 response topics).', ['topic'], function* () {
    for (const topic of PUBLISH_KINDS) yield [{ topic }, tally.publishes[topic]];
  });
  counterOf(registry, 'gpio_edges_total', 'Edge events the kernel reported, per edge input.', ['pin'], function* () {
    for (const [pin, n] of tally.edges) yield [{ pin: String(pin) }, n];
  });
  counterOf(registry, 'gpio_edges_lost_total', "Edge events the kernel dropped (its queue overflowed): exact with uAPI v2, at least one per loss with libgpiod 1.x.", [], function* () {
    yield [{}, tally.edgesLost];
  });
  counterOf(registry, 'gpio_mqtt_reconnects_total', 'Connections to the broker made again after one was lost.', [], function* () {
    yield [{}, tally.reconnects];
  });
  counterOf(registry, 'gpio_mqtt_reconnect_attempts_total', 'Attempts to connect to the broker again, successful or not.', [], function* () {
    yield [{}, tally.reconnectAttempts];
  });
  gaugeOf(registry, 'gpio_mqtt_connected', '1 while the service is connected to the broker, else 0.', () => (connection()?.connected() === true ? 1 : 0));
  gaugeOf(registry, 'gpio_mqtt_queued_messages', 'Messages waiting for a connection to the broker.', () => connection()?.queued() ?? 0);
  gaugeOf(registry, 'gpio_mqtt_inflight_messages', 'QoS 1 messages sent to the broker and not yet acknowledged.', () => connection()?.inFlight() ?? 0);
  new Gauge({
    name: 'gpio_build_info',
    help: 'Always 1: the service version, its GPIO driver and the Node.js version as labels.',
    labelNames: ['version', 'driver', 'node'],
    registers: [registry],
  }).set({ version: build.version, driver: build.driver, node: process.versions.node }, 1);

  counterOf(registry, 'process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', [], function* () {
    yield [{}, process.cpuUsage().user / 1e6];
  });
  counterOf(registry, 'process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', [], function* () {
    yield [{}, process.cpuUsage().system / 1e6];
  });
  counterOf(registry, 'process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], function* () {
    const { user, system } = process.cpuUsage();
    yield [{}, (user + system) / 1e6];
  });
  gaugeOf(registry, 'process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  const started = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  gaugeOf(registry, 'process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => started);
  return registry;
};
