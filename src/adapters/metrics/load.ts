import * as E from 'fp-ts/Either';
import type { GpioDriver } from '../../core/driver';
import { isLoopback } from '../../core/config/mqtt';
import type { MetricsConfig } from '../../core/model';
import type { Logger } from '../log/logger';
import type { ServiceMetrics } from './service';

/**
 * Starts the metrics endpoint when the config asks for one. The endpoint's
 * module (and prom-client with it) is loaded here, on demand: a service
 * without `metrics.port` loads none of it and gets `driver` back unchanged.
 * Left is a start-up failure for the user (the port is taken, say).
 */
export const serveMetrics = async <D extends GpioDriver>(
  config: MetricsConfig | undefined,
  driver: D,
  deps: { readonly version: string; readonly log: Logger },
): Promise<E.Either<string, { readonly driver: D; readonly metrics?: ServiceMetrics }>> => {
  if (config === undefined) return E.right({ driver });
  try {
    const { startMetrics } = await import('./service.js');
    const started = await startMetrics(config, driver, { version: deps.version });
    deps.log.info('metrics listening', {
      url: started.metrics.url,
      paths: ['/metrics', '/health'],
      reachableFrom: isLoopback(config.host) ? 'this machine only' : 'other machines too',
    });
    return E.right(started);
  } catch (e) {
    return E.left(`cannot serve metrics on ${config.host}:${config.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
};
