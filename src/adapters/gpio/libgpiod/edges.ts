import * as E from 'fp-ts/Either';
import type { KernelEdge } from '../../../core/driver';
import type { Level } from '../../../core/model';
import { type CdevAddon, type LgEvent, type LgHandle, loadCdevAddon } from '../cdev/addon';
import { CONSUMER } from './addon';
import { edgePump } from '../edge-pump';

/**
 * The libgpiod driver's edge inputs. node-libgpiod 0.5.3 can request a line
 * for events but binds nothing to wait for or read them, so these lines are
 * requested and read through libgpiod 1.x's own event API, called from our
 * addon on the very libgpiod.so.2 node-libgpiod loaded. uAPI v1 gives each
 * line an event request of its own, with its own fd and a 16-event queue;
 * libuv watches every fd on the event loop (no thread, no process per line).
 */
export interface EdgeLines {
  readonly pins: ReadonlyArray<number>;
  /** Every event queued on every line, in timestamp order. */
  drain(): KernelEdge[];
  /** A line's logical level (throws on failure). */
  read(pin: number): Level;
  /**
   * Calls `onEdges` with every queued event of every line, in timestamp
   * order, each time a line's fd is readable; `onError` when reading fails.
   * Returns the function that stops watching.
   */
  watch(onEdges: (edges: KernelEdge[]) => void, onError: (e: unknown) => void): () => void;
  release(): void;
}

/** One edge line's request: its pin and libgpiod GPIOD_LINE_REQUEST_FLAG_* (active-low, bias). */
export interface EdgeRequest {
  readonly pin: number;
  readonly flags: number;
}

/** uAPI v1's event queue per line (the kernel's kfifo): a wake-up that finds this many may have lost more. */
export const V1_QUEUE = 16;

const byTime = (a: LgEvent, b: LgEvent): number => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0);

/** uAPI v1 has no sequence numbers: a lost event shows only as two edges in one direction. */
const toEdge = (e: LgEvent): KernelEdge => ({ pin: e.offset, rising: e.rising, timestampNs: e.timestampNs });

/** Our addon with its libgpiod 1.x event functions, or why not and how to fix it. */
export const loadEdgeAddon = (pins: ReadonlyArray<number>, load: () => E.Either<string, CdevAddon> = loadCdevAddon): E.Either<string, CdevAddon> => {
  const fix = `, or set edge: none for GPIO ${pins.join(', ')}`;
  const loaded = load();
  if (E.isLeft(loaded)) return E.left(`edge events through libgpiod are read by our addon, and ${loaded.left}${fix}`);
  if (typeof loaded.right.lgRequestEdges !== 'function') {
    return E.left(`edge events through libgpiod are read by our addon, and the built one is older than this version: run npm install again${fix}`);
  }
  return loaded;
};

/**
 * Requests `lines` for both edges (whatever each pin's `edge`: its state
 * needs every change) under our consumer name. Throws the addon's error
 * (`code`, `offset`) when a line cannot be requested, having released the others.
 */
export const requestEdgeLines = (addon: CdevAddon, chipName: string, lines: ReadonlyArray<EdgeRequest>): EdgeLines => {
  const pins = lines.map((l) => l.pin);
  const handle: LgHandle = addon.lgRequestEdges(chipName, pins, lines.map((l) => l.flags), CONSUMER, 'both');
  const fds = addon.lgFds(handle);
  const drain = (): KernelEdge[] => {
    const all: LgEvent[] = [];
    const full: number[] = [];
    pins.forEach((_, i) => {
      const events = addon.lgReadEvents(handle, i);
      if (events.length >= V1_QUEUE) full.push(i);
      all.push(...events);
    });
    // Each line's events are in order; across lines, the timestamps say which came first (a stable sort keeps ties).
    const edges = (pins.length > 1 ? all.sort(byTime) : all).map(toEdge);
    // A full queue dropped whatever came next, and v1 numbers nothing: the line's level now says where it ended.
    for (const i of full) {
      const level = addon.lgGetValue(handle, i);
      edges.push({ pin: pins[i] as number, rising: level === 1, timestampNs: process.hrtime.bigint(), lost: true });
    }
    return edges;
  };
  return {
    pins,
    drain,
    read: (pin) => (addon.lgGetValue(handle, pins.indexOf(pin)) ? 1 : 0),
    watch: (onEdges, onError) => {
      // A wake-up for any line drains them all, so lines readable together merge in time order; the pump reads
      // again every few edges while a burst is handed on, so no line's 16-event queue waits for the whole batch.
      const pump = edgePump(drain, (e) => onEdges([e]), onError);
      const watches: unknown[] = [];
      const stop = () => {
        pump.stop();
        watches.splice(0).forEach((w) => addon.unwatch(w));
      };
      try {
        for (const fd of fds) watches.push(addon.watch(fd, pump.readable));
      } catch (e) {
        stop();
        throw e;
      }
      return stop;
    },
    release: () => addon.lgRelease(handle),
  };
};
