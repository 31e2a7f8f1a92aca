import { EMPTY, merge, type Observable, of, timer } from 'rxjs';
import type { GpioDriver } from '../adapters/gpio/driver';
import { isSimulated } from '../adapters/gpio/driver';
import type { PinSpec } from '../core/model';
import type { Output } from '../core/outputs';
import { pinTable, type Request } from '../core/reducer';
import { pollInputs } from './inputs';
import { publishLevels } from './levels';
import { answerRequests } from './requests';

export interface ConnectorSources {
  /** Read, write (and, on the simulated chip, simulate) requests. */
  readonly request$: Observable<Request>;
  /** Each emission republishes every pin's level: the MQTT adapter emits after a reconnect. */
  readonly resync$?: Observable<unknown>;
}

export interface ConnectorDeps {
  readonly thingName: string;
  readonly pins: ReadonlyArray<PinSpec>;
  readonly pollPeriodMs: number;
  readonly driver: GpioDriver;
  readonly acceptRetainedWrites?: boolean;
  /** Answer retained requests of every kind; by default they are ignored. */
  readonly acceptRetainedRequests?: boolean;
  /** Refuse writes and simulates marked `queued`; by default they are applied. */
  readonly refuseQueuedWrites?: boolean;
}

/**
 * The whole connector as one stream: at subscription each output's level, then
 * the polled inputs' first samples and changes, the answer to every request,
 * and every pin's level again on each `resync$`. Unsubscribing stops polling.
 * It needs no MQTT: the service feeds it from a broker, a host app from anywhere.
 */
export const connector = (sources: ConnectorSources, deps: ConnectorDeps): Observable<Output> => {
  const { driver, thingName: thing } = deps;
  const table = pinTable(thing, deps.pins, {
    acceptRetainedWrites: deps.acceptRetainedWrites ?? false,
    acceptRetainedRequests: deps.acceptRetainedRequests ?? false,
    refuseQueuedWrites: deps.refuseQueuedWrites ?? false,
    simulate: isSimulated(driver),
  });
  const all = deps.pins.map((p) => p.pin);
  return merge(
    publishLevels(of(null), table.outputs, { driver, thing }),
    driver.inputs.length > 0 ? pollInputs(timer(0, deps.pollPeriodMs), { driver, thing }) : EMPTY,
    answerRequests(sources.request$, { table, driver }),
    publishLevels(sources.resync$ ?? EMPTY, all, { driver, thing }),
  );
};
