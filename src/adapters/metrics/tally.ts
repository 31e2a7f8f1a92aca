import type { MqttClient, Packet } from 'mqtt';
import { defer, tap } from 'rxjs';
import type { GpioDriver, KernelEdge } from '../../core/driver';
import {
  answerKind,
  ERROR_KINDS,
  errorLabel,
  type ErrorLabel,
  OUTCOMES,
  type Outcome,
  outcomeOf,
  PUBLISH_KINDS,
  publishKind,
  type PublishKind,
  REQUEST_KINDS,
  requestKind,
  type RequestKindLabel,
} from '../../core/metrics';
import type { Output } from '../../core/outputs';
import type { Reply, Request } from '../../core/requests';
import { missedEvents } from '../../streams/edges';

/**
 * The running totals behind the metrics: plain numbers, every series there
 * from the start at 0. Counting a message is an increment; prom-client reads
 * these only when `/metrics` is scraped (./registry.ts).
 */
export interface Tally {
  readonly requests: Record<RequestKindLabel, Record<Outcome, number>>;
  readonly errors: Record<ErrorLabel, number>;
  readonly publishes: Record<PublishKind, number>;
  /** Kernel edges handed on by the driver, per edge input. */
  readonly edges: Map<number, number>;
  edgesLost: number;
  /** Connections made after the first one. */
  reconnects: number;
  /** Attempts MQTT.js made to connect again, successful or not. */
  reconnectAttempts: number;
}

const zeros = <K extends string>(keys: ReadonlyArray<K>): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export const emptyTally = (edgeInputs: ReadonlyArray<number> = []): Tally => ({
  requests: Object.fromEntries(REQUEST_KINDS.map((k) => [k, zeros(OUTCOMES)])) as Tally['requests'],
  errors: zeros(ERROR_KINDS),
  publishes: zeros(PUBLISH_KINDS),
  edges: new Map(edgeInputs.map((pin) => [pin, 0])),
  edgesLost: 0,
  reconnects: 0,
  reconnectAttempts: 0,
});

/**
 * Counts requests by kind and outcome, and errors by kind. `request` sees each
 * request as it comes in (a tap on the request stream), `output` each output
 * of the pipeline (a tap on its output stream). An answer carries its
 * request's `reply` object untouched, which is how an answer is matched with
 * the kind of the request it answers, whenever it comes.
 */
export const requestCounter = (tally: Tally) => {
  const asked = new WeakMap<Reply, RequestKindLabel>();
  return {
    request: (r: Request): void => {
      if (r.reply !== undefined) asked.set(r.reply, requestKind(r.topic));
    },
    output: (o: Output): void => {
      const outcome = outcomeOf(o);
      if (outcome !== undefined) {
        const reply = o._tag === 'State' || o._tag === 'Rejected' || o._tag === 'Snapshot' ? o.reply : undefined;
        const kind = answerKind(o, reply === undefined ? undefined : asked.get(reply));
        tally.requests[kind][outcome] += 1;
        // One outcome per request: an answer that came twice is counted once.
        if (reply !== undefined) asked.delete(reply);
      }
      if (o._tag === 'Rejected') tally.errors[errorLabel(o.error.error)] += 1;
      else if (o._tag === 'FailsafeReport') tally.errors.failsafe_level_set += 1;
    },
  };
};

/**
 * How many edges the kernel dropped before each edge: the jump in `seqno`
 * (uAPI v2), or, without seqnos (uAPI v1), one for an edge the driver marks
 * `lost` and one for a pin's second edge in the same direction: at least one
 * was dropped between them. The same rules as streams/edges, which reports
 * the loss on the error topic. One per subscription to the driver's edges.
 */
export const edgeLosses = (): ((edge: KernelEdge) => number) => {
  let expected: number | undefined;
  const lastRising = new Map<number, boolean>();
  return (edge) => {
    if (edge.seqno !== undefined) {
      const missed = expected === undefined ? 0 : missedEvents(expected, edge.seqno);
      expected = (edge.seqno + 1) % 2 ** 32;
      return missed;
    }
    const lost = edge.lost === true || lastRising.get(edge.pin) === edge.rising ? 1 : 0;
    lastRising.set(edge.pin, edge.rising);
    return lost;
  };
};

/**
 * The driver as it is, with its edges counted (seen per pin, and lost) and
 * its closing noted for `/health`. The drivers are plain objects of
 * closures, so a copy keeps every method, `simulate` included.
 */
export const countingDriver = <D extends GpioDriver>(driver: D, tally: Tally, onClose: () => void): D => ({
  ...driver,
  edges: () =>
    defer(() => {
      const losses = edgeLosses();
      return driver.edges().pipe(
        tap((edge) => {
          tally.edgesLost += losses(edge);
          // A `lost` mark is the driver's reading of the level, not an edge the kernel reported.
          if (edge.lost !== true) tally.edges.set(edge.pin, (tally.edges.get(edge.pin) ?? 0) + 1);
        }),
      );
    }),
  close: () => {
    onClose();
    driver.close();
  },
});

/** The client's connection as `/health` and the gauges need it. */
export interface ConnectionFacts {
  connected(): boolean;
  /** When the connection was lost; undefined while it is up or before it was ever made. */
  lostAt(): number | undefined;
  /** Messages waiting for a connection, and QoS 1 messages sent but not yet acknowledged. */
  queued(): number;
  inFlight(): number;
}

/**
 * Counts what the client publishes (by topic kind) and its reconnects, from
 * its own events; the connection state and queues are read when scraped.
 */
export const watchClient = (client: MqttClient, thing: string, tally: Tally, now: () => number = Date.now): ConnectionFacts => {
  const prefix = `gpio/${thing}/`;
  let connectedOnce = false;
  let lostAt: number | undefined;
  client.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'publish') tally.publishes[publishKind(packet.topic, prefix)] += 1;
  });
  client.on('connect', () => {
    if (connectedOnce) tally.reconnects += 1;
    connectedOnce = true;
    lostAt = undefined;
  });
  client.on('close', () => {
    if (connectedOnce && lostAt === undefined) lostAt = now();
  });
  client.on('reconnect', () => {
    tally.reconnectAttempts += 1;
  });
  return {
    connected: () => client.connected,
    lostAt: () => (client.connected ? undefined : lostAt),
    queued: () => client.queue.length,
    inFlight: () => Object.keys(client.outgoing).length,
  };
};
