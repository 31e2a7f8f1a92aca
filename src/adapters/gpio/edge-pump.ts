import type { KernelEdge } from '../../core/driver';

export interface PumpOptions {
  /** Read the kernel's queue again after this many edges are handed on: it never waits for a whole batch. */
  readonly every: number;
  /** Hand on at most this many edges per turn of the event loop, then let other work (MQTT) run. */
  readonly perTurn: number;
}

export const PUMP_DEFAULTS: PumpOptions = { every: 4, perTurn: 512 };

export interface Pump {
  /** The fd is readable: read, and hand on. */
  readable(): void;
  /** No more handing on; edges read and not yet handed on are dropped. */
  stop(): void;
}

/**
 * Between the kernel's event queue and the stream: hands on what `read`
 * returns (every edge queued, read without blocking), one at a time, and
 * reads the queue again every few edges, so the kernel's queue (16 events a
 * line in uAPI v1) is emptied while a burst is being published, not only
 * once the whole batch is through. After `perTurn` edges it yields to the
 * event loop (setImmediate) and goes on from there, so a flood of edges
 * cannot starve the MQTT client. A read failure goes to `onError` and stops.
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
