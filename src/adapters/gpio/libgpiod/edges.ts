import * as E from 'fp-ts/Either';
import type { KernelEdge } from '../../../core/driver';
import type { Level } from '../../../core/model';
import { CONSUMER } from '../chip';
import { type LgEvent, type LgHandle, loadNativeAddon, type NativeAddon, type ReaderHandle, type ReaderRecord } from '../native/addon';
import { edgePump } from '../edge-pump';
import type { Either } from '../../../core/either';

/**
 * The libgpiod driver's edge inputs. node-libgpiod 0.5.3 can request a line
 * for events but binds nothing to wait for or read them, so these lines are
 * requested and read through libgpiod 1.x's own event API, called from our
 * addon on the very libgpiod.so.2 node-libgpiod loaded. uAPI v1 gives each
 * line an event request of its own, with its own fd and a 16-event queue;
 * one reader thread of the addon reads every fd of the driver as soon as it
 * is readable (a thread per driver, never one per line), so a queue only has
 * to cover that thread's wake-up, not a busy event loop's.
 */
export interface EdgeLines {
  readonly pins: ReadonlyArray<number>;
  /** Every event queued on every line, in timestamp order. */
  drain(): KernelEdge[];
  /** A line's logical level (throws on failure). */
  read(pin: number): Level;
  /**
   * Starts the reader thread and calls `onEdges` with what it read, each
   * batch in timestamp order across lines; `onError` when reading fails.
   * Returns the function that stops watching (it ends the thread).
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

type Event = Pick<LgEvent, 'timestampNs' | 'rising' | 'offset'>;

const byTime = (a: Event, b: Event): number => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0);

/** uAPI v1 has no sequence numbers: a lost event shows only as two edges in one direction. */
const toEdge = (e: Event): KernelEdge => ({ pin: e.offset, rising: e.rising, timestampNs: e.timestampNs });

/** Our addon with its libgpiod 1.x event functions, or why not and how to fix it. */
export const loadEdgeAddon = (pins: ReadonlyArray<number>, load: () => Either<string, NativeAddon> = loadNativeAddon): Either<string, NativeAddon> => {
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
export const requestEdgeLines = (addon: NativeAddon, chipName: string, lines: ReadonlyArray<EdgeRequest>): EdgeLines => {
  const pins = lines.map((l) => l.pin);
  const handle: LgHandle = addon.lgRequestEdges(chipName, pins, lines.map((l) => l.flags), CONSUMER, 'both');
  const fds = addon.lgFds(handle);
  /** Each line's events are in order; across lines, the timestamps say which came first (a stable sort keeps ties). */
  const inOrder = (events: Event[]): KernelEdge[] => (pins.length > 1 ? events.sort(byTime) : events).map(toEdge);
  /** A full queue dropped whatever came next, and v1 numbers nothing: the line's level now says where it ended. */
  const lostEdge = (i: number): KernelEdge => ({
    pin: pins[i] as number,
    rising: addon.lgGetValue(handle, i) === 1,
    timestampNs: process.hrtime.bigint(),
    lost: true,
  });
  const drain = (): KernelEdge[] => {
    const all: LgEvent[] = [];
    const full: number[] = [];
    pins.forEach((_, i) => {
      const events = addon.lgReadEvents(handle, i);
      if (events.length >= V1_QUEUE) full.push(i);
      all.push(...events);
    });
    return [...inOrder(all), ...full.map(lostEdge)];
  };
  /** What the reader thread read: its `full` marks (a read that found a line's queue full) become lost edges, after the batch. */
  const fromReader = (records: ReaderRecord[]): KernelEdge[] => {
    const events = records.filter((r) => !r.full);
    const full = [...new Set(records.filter((r) => r.full).map((r) => pins.indexOf(r.offset)))];
    return full.length === 0 ? inOrder(events) : [...inOrder(events), ...full.map(lostEdge)];
  };
  return {
    pins,
    drain,
    read: (pin) => (addon.lgGetValue(handle, pins.indexOf(pin)) ? 1 : 0),
    watch: (onEdges, onError) => {
      // One thread for every line's fd; the pump hands on what it read, yielding to MQTT (see edge-pump).
      let reader: ReaderHandle | undefined;
      const pump = edgePump(() => (reader === undefined ? [] : fromReader(addon.readerTake(reader))), (e) => onEdges([e]), onError);
      reader = addon.readerStart(fds, pins, 1, pump.readable);
      const started = reader;
      return () => {
        addon.readerStop(started);
        pump.stop();
      };
    },
    release: () => addon.lgRelease(handle),
  };
};
