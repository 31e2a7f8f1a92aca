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

/** One edge line's request: its pin (the topics' number), its line on the chip, and libgpiod GPIOD_LINE_REQUEST_FLAG_* (active-low, bias). */
export interface EdgeRequest {
  readonly pin: number;
  readonly line: number;
  readonly flags: number;
}

/** uAPI v1's event queue per line (the kernel's kfifo): a wake-up that finds this many may have lost more. */
export const V1_QUEUE = 16;

/** An event with the pin it is of (uAPI v1 names the line by its fd). */
type Event = Pick<LgEvent, 'timestampNs' | 'rising'> & { readonly pin: number };

const byTime = (a: Event, b: Event): number => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0);

/** uAPI v1 has no sequence numbers: a lost event shows only as two edges in one direction. */
const toEdge = (e: Event): KernelEdge => ({ pin: e.pin, rising: e.rising, timestampNs: e.timestampNs });

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

/** One chip's edge lines, as {@link watchEdgeLines} reads them with the others. */
interface ChipEdgeLines {
  readonly pins: ReadonlyArray<number>;
  readonly fds: ReadonlyArray<number>;
  /** Every event queued on every line of the chip, and the indices of the lines whose queue was full. */
  readonly drain: () => { events: Event[]; full: number[] };
  readonly read: (pin: number) => Level;
  /** A full queue dropped whatever came next, and v1 numbers nothing: the line's level now says where it ended. */
  readonly lostEdge: (pin: number) => KernelEdge;
  readonly release: () => void;
}

/**
 * Requests `lines` of one chip for both edges (whatever each pin's `edge`:
 * its state needs every change) under our consumer name. Throws the addon's
 * error (`code`, `offset`: the line) when a line cannot be requested, having
 * released the others.
 */
const requestChipEdgeLines = (addon: NativeAddon, chipName: string, lines: ReadonlyArray<EdgeRequest>): ChipEdgeLines => {
  const pins = lines.map((l) => l.pin);
  const handle: LgHandle = addon.lgRequestEdges(chipName, lines.map((l) => l.line), lines.map((l) => l.flags), CONSUMER, 'both');
  const fds = addon.lgFds(handle);
  const lostEdge = (pin: number): KernelEdge => ({
    pin,
    rising: addon.lgGetValue(handle, pins.indexOf(pin)) === 1,
    timestampNs: process.hrtime.bigint(),
    lost: true,
  });
  return {
    pins,
    fds,
    drain: () => {
      const events: Event[] = [];
      const full: number[] = [];
      pins.forEach((pin, i) => {
        const got = addon.lgReadEvents(handle, i);
        if (got.length >= V1_QUEUE) full.push(pin);
        for (const e of got) events.push({ pin, rising: e.rising, timestampNs: e.timestampNs });
      });
      return { events, full };
    },
    read: (pin) => (addon.lgGetValue(handle, pins.indexOf(pin)) ? 1 : 0),
    lostEdge,
    release: () => addon.lgRelease(handle),
  };
};

/**
 * The edge lines of every chip (`chips`: each chip's name and lines), one
 * event request per line as uAPI v1 has it, every line of every chip read
 * by one reader thread. Throws the addon's error (`code`, `offset`, and
 * `chipName`) when a line cannot be requested, having released the others.
 */
export const requestEdgeLines = (addon: NativeAddon, chips: ReadonlyArray<{ readonly chipName: string; readonly lines: ReadonlyArray<EdgeRequest> }>): EdgeLines => {
  const parts: ChipEdgeLines[] = [];
  const releaseAll = (): void => {
    for (const part of parts.splice(0).reverse()) part.release();
  };
  for (const { chipName, lines } of chips) {
    try {
      parts.push(requestChipEdgeLines(addon, chipName, lines));
    } catch (e) {
      releaseAll();
      if (typeof e === 'object' && e !== null) Object.assign(e, { chipName });
      throw e;
    }
  }
  const pins = parts.flatMap((p) => p.pins);
  const partOf = new Map(parts.flatMap((part) => part.pins.map((pin) => [pin, part] as const)));
  /** Each line's events are in order; across lines, the timestamps say which came first (a stable sort keeps ties). */
  const inOrder = (events: Event[]): KernelEdge[] => (pins.length > 1 ? events.sort(byTime) : events).map(toEdge);
  const lostEdge = (pin: number): KernelEdge => (partOf.get(pin) as ChipEdgeLines).lostEdge(pin);
  /** What the reader thread read (each fd labelled with its pin): its `full` marks become lost edges, after the batch. */
  const fromReader = (records: ReaderRecord[]): KernelEdge[] => {
    const events = records.filter((r) => !r.full).map((r) => ({ pin: r.offset, rising: r.rising, timestampNs: r.timestampNs }));
    const full = [...new Set(records.filter((r) => r.full).map((r) => r.offset))];
    return full.length === 0 ? inOrder(events) : [...inOrder(events), ...full.map(lostEdge)];
  };
  return {
    pins,
    drain: () => {
      const events: Event[] = [];
      const full: number[] = [];
      for (const part of parts) {
        const got = part.drain();
        events.push(...got.events);
        full.push(...got.full);
      }
      return [...inOrder(events), ...full.map(lostEdge)];
    },
    read: (pin) => (partOf.get(pin) as ChipEdgeLines).read(pin),
    watch: (onEdges, onError) => {
      // One thread for every line's fd of every chip, each fd labelled with its pin; the pump hands on what it read, yielding to MQTT (see edge-pump).
      let reader: ReaderHandle | undefined;
      const pump = edgePump(() => (reader === undefined ? [] : fromReader(addon.readerTake(reader))), (e) => onEdges([e]), onError);
      reader = addon.readerStart(
        parts.flatMap((p) => p.fds),
        pins,
        1,
        pump.readable,
      );
      const started = reader;
      return () => {
        addon.readerStop(started);
        pump.stop();
      };
    },
    release: releaseAll,
  };
};
