import { Observable, type Subscriber } from 'rxjs';
import type { KernelEdge } from '../../core/driver';
import { ALREADY_WATCHED, RELEASED } from './errors';

export interface PumpOptions {
  /** Read again after this many edges are handed on, without waiting for the whole batch. */
  readonly every: number;
  /** Hand on at most this many edges per turn of the event loop, then let other work (MQTT) run. */
  readonly perTurn: number;
}

/**
 * The drivers' reader thread empties the kernel's queues by itself, so the
 * pump reads its buffer once a turn: large batches, which the libgpiod driver
 * merges across lines by timestamp.
 */
export const PUMP_DEFAULTS: PumpOptions = { every: 512, perTurn: 512 };

export interface Pump {
  /** There is something to read: read, and hand on. */
  readable(): void;
  /** No more handing on; edges read and not yet handed on are dropped. */
  stop(): void;
}

/**
 * Between what was read of the kernel's event queues (the addon's reader
 * thread's buffer) and the stream: hands on what `read` returns (every edge
 * read so far, without blocking), one at a time, and reads again every
 * `every` edges and once it has handed everything on, ending only when
 * nothing is left. After `perTurn` edges it yields to the event loop
 * (setImmediate) and goes on from there, so a flood of edges cannot starve
 * the MQTT client. A read failure goes to `onError` and stops.
 */
export const edgePump = (
  read: () => KernelEdge[],
  emit: (edge: KernelEdge) => void,
  onError: (e: unknown) => void,
  options: PumpOptions = PUMP_DEFAULTS,
): Pump => {
  let pending: KernelEdge[] = [];
  let head = 0;
  let scheduled: NodeJS.Immediate | undefined;
  let stopped = false;
  const pull = (): boolean => {
    try {
      const more = read();
      for (const e of more) pending.push(e);
      return true;
    } catch (e) {
      stopped = true;
      onError(e);
      return false;
    }
  };
  const pump = (): void => {
    scheduled = undefined;
    let n = 0;
    while (!stopped && n < options.perTurn) {
      // Handed everything on: read once more, and end only when the kernel's queue is empty too.
      if (head >= pending.length && (!pull() || head >= pending.length)) break;
      emit(pending[head++] as KernelEdge);
      n += 1;
      if (n % options.every === 0 && !pull()) return;
    }
    if (stopped) return;
    if (head >= pending.length) {
      pending = [];
      head = 0;
      return;
    }
    if (head > 4096) {
      pending = pending.slice(head);
      head = 0;
    }
    scheduled = setImmediate(pump);
  };
  return {
    readable: () => {
      if (stopped || !pull()) return;
      if (scheduled === undefined) pump();
    },
    stop: () => {
      stopped = true;
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
      pending = [];
    },
  };
};

/**
 * A driver's `edges()`, as the port describes it: complete at once without
 * edge inputs, an error once the chip is released or while another
 * subscriber watches, and `start` (which drops what was queued and begins
 * watching, returning how to stop) run for the one subscriber. `stop` ends
 * the current watch, for the driver's `close` before it releases the lines.
 */
export const singleWatch = (deps: {
  readonly none: boolean;
  readonly closed: () => boolean;
  readonly start: (subscriber: Subscriber<KernelEdge>) => () => void;
}): { readonly edges: () => Observable<KernelEdge>; readonly stop: () => void } => {
  let current: (() => void) | undefined;
  const edges = (): Observable<KernelEdge> =>
    new Observable<KernelEdge>((subscriber) => {
      if (deps.none) return subscriber.complete();
      if (deps.closed()) return subscriber.error(new Error(RELEASED));
      if (current !== undefined) return subscriber.error(new Error(ALREADY_WATCHED));
      let stop: () => void;
      try {
        stop = deps.start(subscriber);
      } catch (err) {
        return subscriber.error(err);
      }
      current = stop;
      return () => {
        stop();
        if (current === stop) current = undefined;
      };
    });
  return {
    edges,
    stop: () => {
      current?.();
      current = undefined;
    },
  };
};
