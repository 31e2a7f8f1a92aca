/**
 * The metrics endpoint of the service: loaded by src/main.ts only when
 * `metrics.port` is set, so a service without metrics never loads prom-client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { MqttClient } from 'mqtt';
import type { GpioDriver } from '../../core/driver';
import { healthOf } from '../../core/metrics';
import type { MetricsConfig } from '../../core/model';
import type { Output } from '../../core/outputs';
import type { Request } from '../../core/requests';
import { metricsRegistry } from './registry';
import { type ConnectionFacts, countingDriver, emptyTally, requestCounter, watchClient } from './tally';

export interface ServiceMetrics {
  /** `http://host:port`, for the log. */
  readonly url: string;
  /** Taps for the request and output streams: each call counts one message. */
  readonly request: (r: Request) => void;
  readonly output: (o: Output) => void;
  /** Watches the client's connection, publishes and queues. */
  watch(client: MqttClient, thing: string, broker: string): void;
  /** Stops listening. */
  close(): Promise<void>;
}

export interface MetricsDeps {
  readonly version: string;
  readonly startedAt?: number;
}

/**
 * Listens on `config.host:config.port` and serves `/metrics` (Prometheus text)
 * and `/health` (200 `ok`, or 503 and one line saying what is wrong). Returns
 * the driver to use in place of `driver`, which counts its edges and tells
 * `/health` when it is closed. Rejects, having listened nowhere, when the
 * address cannot be had.
 */
export const startMetrics = async <D extends GpioDriver>(
  config: MetricsConfig,
  driver: D,
  deps: MetricsDeps,
): Promise<{ readonly metrics: ServiceMetrics; readonly driver: D }> => {
  const startedAt = deps.startedAt ?? Date.now();
  const tally = emptyTally(driver.edgeInputs);
  let driverOpen = true;
  let connection: (ConnectionFacts & { readonly broker: string }) | undefined;
  const registry = metricsRegistry({ tally, connection: () => connection, build: { version: deps.version, driver: driver.kind } });
  const counter = requestCounter(tally);

  const health = () =>
    healthOf(
      {
        connected: connection?.connected() ?? false,
        ...(connection?.lostAt() === undefined ? {} : { lostAt: connection.lostAt() as number }),
        startedAt,
        driverOpen,
        broker: connection?.broker ?? 'broker',
      },
      Date.now(),
    );

  const answer = (res: ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(head ? undefined : body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', false);
    }
    if (path === '/metrics') return answer(res, 200, registry.contentType, await registry.metrics(), head);
    if (path === '/health') {
      const h = health();
      return answer(res, h.ok ? 200 : 503, 'text/plain; charset=utf-8', h.ok ? 'ok\n' : `${h.reason}\n`, head);
    }
    return answer(res, 404, 'text/plain; charset=utf-8', 'not found: /metrics or /health\n', head);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', `${e instanceof Error ? e.message : String(e)}\n`, false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const metrics: ServiceMetrics = {
    url: `http://${host}:${config.port}`,
    request: counter.request,
    output: counter.output,
    watch: (client, thing, broker) => {
      connection = { ...watchClient(client, thing, tally), broker };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return { metrics, driver: countingDriver(driver, tally, () => (driverOpen = false)) };
};
