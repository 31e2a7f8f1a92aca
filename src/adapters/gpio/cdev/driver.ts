import * as E from 'fp-ts/Either';
import { readdirSync } from 'node:fs';
import { type InputSpec, type Level, lineOf, type OutputSpec, type PinSpec, watchesEdges } from '../../../core/model';
import { choosePinChips, type ChipHandle, type ChipUsed, type ChipPins, CONSUMER } from '../chip';
import type { DriverError, GpioDriver, KernelEdge } from '../driver';
import * as errors from '../errors';
import * as messages from '../messages';
import { edgePump, singleWatch } from '../edge-pump';
import { type LineAttr, loadNativeAddon, type NativeAddon, type PwmHandle, type ReaderHandle, type ReaderRecord, V2Flag } from '../native/addon';
import { periodNs } from '../../../core/pwm';
import type { Either } from '../../../core/either';

export interface CdevDriver extends GpioDriver {
  readonly kind: 'cdev';
  /** Which chip and why it was chosen, for the start-up log. */
  readonly why: string;
  /** Every chip the pins are on, each with why it was chosen and its pins, for the start-up log. */
  readonly chips: ReadonlyArray<ChipUsed>;
}

/** The kernel's limits on one uAPI v2 request. */
const MAX_LINES = 64;
const MAX_ATTRS = 10;

interface CdevChip extends ChipHandle {
  readonly path: string;
}

/** An input's request flags: direction, active-low, bias. */
export const inputFlags = (p: Pick<InputSpec, 'bias' | 'activeLow'>): number =>
  V2Flag.INPUT |
  (p.activeLow ? V2Flag.ACTIVE_LOW : 0) |
  (p.bias === 'pull-up' ? V2Flag.BIAS_PULL_UP : 0) |
  (p.bias === 'pull-down' ? V2Flag.BIAS_PULL_DOWN : 0);

/** An edge input is watched for both edges: `state` needs every change; which ones are events is decided upstream. */
const edgeFlags = (p: InputSpec): number => inputFlags(p) | (watchesEdges(p) ? V2Flag.EDGE_RISING | V2Flag.EDGE_FALLING : 0);

/** The kernel's largest event queue for one request (GPIO_V2_LINES_MAX * 16): a burst has the most room. */
export const EVENT_BUFFER_MAX = 1024;

const outputFlags = (p: OutputSpec): number => V2Flag.OUTPUT | (p.activeLow ? V2Flag.ACTIVE_LOW : 0);

const level = (v: number | undefined): Level => (v ? 1 : 0);

/** The GPIO chips by their device files, in number order. */
export const listChips = (dev = '/dev'): string[] =>
  readdirSync(dev)
    .filter((f) => /^gpiochip\d+$/.test(f))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));

/**
 * One request's line configuration: the most common flag set as the default,
 * every other set as an attribute over its lines, and the outputs' first
 * levels as one more. Pure: what the kernel is asked, decided here.
 */
export const requestConfig = (
  flags: ReadonlyArray<number>,
  initial: ReadonlyArray<Level | undefined>,
): Either<string, { flags: number; attrs: LineAttr[] }> => {
  const groups = new Map<number, number[]>();
  flags.forEach((f, i) => groups.set(f, [...(groups.get(f) ?? []), i]));
  const bySize = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const [first, ...rest] = bySize;
  const attrs: LineAttr[] = rest.map(([f, indices]) => ({ indices, flags: f }));
  const outputs = initial.flatMap((v, i) => (v === undefined ? [] : [i]));
  if (outputs.length > 0) attrs.push({ indices: outputs, values: outputs.filter((i) => initial[i] === 1) });
  if (attrs.length > MAX_ATTRS) return E.left(`these pins need ${attrs.length} line attributes (settings beyond the first, and the outputs' first levels); one request of the GPIO character device carries at most ${MAX_ATTRS}`);
  return E.right({ flags: first?.[0] ?? 0, attrs });
};

/**
 * The records of one take from several requests, in the order they
 * happened: each request's own records stay in the kernel's order (its
 * sequence numbers), and the requests' are merged by timestamp (the thread
 * reads one fd's queue, then the next).
 */
export const acrossChips = (records: ReadonlyArray<ReaderRecord>): ReaderRecord[] => {
  const bySource = new Map<number, ReaderRecord[]>();
  for (const r of records) {
    const list = bySource.get(r.source);
    if (list === undefined) bySource.set(r.source, [r]);
    else list.push(r);
  }
  if (bySource.size <= 1) return [...records];
  const queues = [...bySource.values()];
  const heads = queues.map(() => 0);
  const out: ReaderRecord[] = [];
  while (out.length < records.length) {
    let best = -1;
    queues.forEach((q, i) => {
      const r = q[heads[i] as number];
      if (r !== undefined && (best < 0 || r.timestampNs < (queues[best]?.[heads[best] as number] as ReaderRecord).timestampNs)) best = i;
    });
    out.push((queues[best] as ReaderRecord[])[heads[best] as number] as ReaderRecord);
    heads[best] = (heads[best] as number) + 1;
  }
  return out;
};

const U32 = 2 ** 32;

/**
 * The port's edges carry one sequence of seqnos (the stream units find lost
 * events by its gaps), but each uAPI v2 request numbers its own events. Over
 * several requests: renumbers the records, in the order they are handed on,
 * into one sequence from 1 whose gaps are the requests' own: a record that
 * follows its request's last one by k numbers comes k after the record
 * before it, whatever its request. A request's first record starts it (what
 * was queued before anyone listened was dropped on purpose).
 */
export const oneSequence = (): ((r: Pick<ReaderRecord, 'source' | 'seqno'>) => number) => {
  const last = new Map<number, number>();
  let n = 0;
  return (r) => {
    const before = last.get(r.source);
    const missed = before === undefined ? 0 : (((r.seqno - before - 1) % U32) + U32) % U32;
    last.set(r.source, r.seqno);
    n = (n + missed + 1) % U32;
    return n;
  };
};

/** One chip's request: its lines in request order (polled inputs, edge inputs, outputs) and its fd. */
interface ChipRequest {
  readonly chip: CdevChip;
  readonly lines: ReadonlyArray<PinSpec>;
  /** How many of `lines` are polled inputs: the first ones, read by one ioctl. */
  readonly polled: number;
  readonly edges: number;
  readonly fd: number;
}

/**
 * The character-device driver through our own addon over the kernel's GPIO
 * uAPI v2: no libgpiod, so the same on Bookworm (libgpiod 1.6) and Trixie
 * (libgpiod 2). Every configured line of a chip is in one request, each with
 * its own flags (a v2 request carries per-line attributes), so a poll is one
 * ioctl per chip for every input, and a write one ioctl.
 *
 * Pins may be on several chips (a GPIO expander's gpiochip beside the
 * header's): one request per chip, every chip chosen and every line checked
 * before any is requested, and the edges of every chip's request read by the
 * one reader thread. The port's pins are the topics' numbers; each is line
 * `lineOf(p)` of its chip.
 *
 * An output without an initial level is first requested as-is (neither
 * direction nor level changes), its level read, and released; then taken as
 * an output at that level: nothing glitches.
 */
export const openCdevDriver = (
  pins: ReadonlyArray<PinSpec>,
  chipWanted: string,
  load: () => Either<string, NativeAddon> = loadNativeAddon,
  dev = '/dev',
): Either<string, CdevDriver> => {
  const loaded = load();
  if (E.isLeft(loaded)) return loaded;
  const addon = loaded.right;
  const chosen = choosePinChips<CdevChip>(
    {
      getChipNames: () => listChips(dev),
      open: (name) => {
        const path = `${dev}/${name}`;
        const info = addon.chipInfo(path);
        return { name, path, label: info.label, numberOfLines: info.lines };
      },
    },
    pins,
    chipWanted,
  );
  if (E.isLeft(chosen)) return chosen;
  const chips = chosen.right;
  const tooMany = chips.filter((c) => c.pins.length > MAX_LINES);
  if (tooMany.length > 0) {
    const c = tooMany[0] as ChipPins<CdevChip>;
    return E.left(`${c.pins.length} pins configured${chips.length > 1 ? ` on ${c.description}` : ''}: one request of the GPIO character device holds at most ${MAX_LINES}`);
  }

  const requests: ChipRequest[] = [];
  const closeAll = (): void => {
    for (const r of requests.splice(0)) {
      try {
        addon.close(r.fd);
      } catch {
        // Best effort: the kernel frees the lines when the process exits.
      }
    }
  };
  for (const c of chips) {
    const opened = requestChip(addon, c.chip, c.pins);
    if (E.isLeft(opened)) {
      closeAll();
      return opened;
    }
    requests.push(opened.right);
  }

  // Where each pin is: its chip's request, and its index in it.
  const index = new Map<number, { readonly req: ChipRequest; readonly i: number }>();
  for (const req of requests) req.lines.forEach((p, i) => index.set(p.pin, { req, i }));
  // The port's inputs keep the configured order; a poll reads each chip once.
  const inputs = pins.filter((p): p is InputSpec => p.direction === 'input' && !watchesEdges(p)).map((p) => p.pin);
  const edgeInputs = pins.filter((p): p is InputSpec => p.direction === 'input' && watchesEdges(p)).map((p) => p.pin);
  const polled = requests.filter((r) => r.polled > 0);
  const inputAt = inputs.map((pin) => {
    const at = index.get(pin) as { req: ChipRequest; i: number };
    return { chip: polled.indexOf(at.req), i: at.i };
  });
  let closed = false;
  const notOpen = (pin: number): E.Either<DriverError, never> => E.left(closed ? errors.released(pin) : errors.notRequested(pin));

  // Every edge request's events come on its own fd; one reader thread reads them all, and names the fd of each.
  const watched = requests.filter((r) => r.edges > 0);
  const pinOf = watched.map((r) => new Map(r.lines.map((p) => [lineOf(p), p.pin])));
  const toEdge = (e: ReaderRecord, seqno: number): KernelEdge => ({ pin: pinOf[e.source]?.get(e.offset) ?? e.offset, rising: e.rising, timestampNs: e.timestampNs, seqno });
  const watch = singleWatch({
    none: edgeInputs.length === 0,
    closed: () => closed,
    start: (subscriber) => {
      // What was queued before anyone listened belongs to nobody: drop it, so the levels read next are the start.
      for (const r of watched) while (addon.readEvents(r.fd).length > 0);
      // The thread empties the kernel's queues as they fill; the pump hands on what it read, yielding to MQTT (see edge-pump).
      let reader: ReaderHandle | undefined;
      // One request: the kernel's seqnos as they are. Several: one sequence over them all, so a loss in any shows as a gap.
      const seqno = watched.length > 1 ? oneSequence() : (r: ReaderRecord) => r.seqno;
      const pump = edgePump(
        () => (reader === undefined ? [] : (watched.length > 1 ? acrossChips(addon.readerTake(reader)) : addon.readerTake(reader)).map((r) => toEdge(r, seqno(r)))),
        (e) => subscriber.next(e),
        (err) => subscriber.error(err),
      );
      reader = addon.readerStart(
        watched.map((r) => r.fd),
        watched.map(() => 0),
        2,
        pump.readable,
      );
      const started = reader;
      return () => {
        addon.readerStop(started);
        pump.stop();
      };
    },
  });
  const edges = watch.edges;

  // Software PWM: one thread per chip request with PWM lines, started with its first PWM.
  const pwmLines = new Set(pins.filter((p) => p.direction === 'output' && p.pwm !== undefined).map((p) => p.pin));
  const pwmThreads = new Map<ChipRequest, PwmHandle>();
  const running = new Set<number>();

  return E.right({
    kind: 'cdev',
    description: chips.map((c) => c.description).join(', '),
    why: chips.map((c) => c.why).join('; '),
    chips: chips.map((c) => ({ description: c.description, why: c.why, pins: c.pins.map((p) => p.pin) })),
    inputs,
    edgeInputs,
    edges,
    readInputs: () => {
      if (closed) return E.left(errors.released());
      if (inputs.length === 0) return E.right([]);
      // The inputs are each request's first lines: one ioctl per chip reads them all.
      return E.tryCatch(
        () => {
          const values = polled.map((r) => addon.getValues(r.fd, r.polled));
          return inputAt.map((at) => level((values[at.chip] as number[])[at.i]));
        },
        (e) => errors.failed(undefined, e),
      );
    },
    read: (pin) => {
      const at = index.get(pin);
      if (at === undefined || closed) return notOpen(pin);
      return E.tryCatch(() => level(addon.getValues(at.req.fd, at.i + 1)[at.i]), (e) => errors.failed(pin, e));
    },
    write: (pin, value) => {
      const at = index.get(pin);
      if (at === undefined || closed) return notOpen(pin);
      if (at.req.lines[at.i]?.direction !== 'output') return E.left(errors.notAnOutput(pin));
      return E.tryCatch(
        () => {
          // A PWM on the line ends first: the thread leaves it alone from here.
          const thread = pwmThreads.get(at.req);
          if (thread !== undefined && running.delete(pin)) addon.pwmStop(thread, at.i);
          addon.setValues(at.req.fd, [at.i], [value]);
          return level(addon.getValues(at.req.fd, at.i + 1)[at.i]);
        },
        (e) => errors.failed(pin, e),
      );
    },
    pwm: (pin, setting) => {
      const at = index.get(pin);
      if (at === undefined || closed) return notOpen(pin);
      if (!pwmLines.has(pin)) return E.left({ pin, message: `GPIO ${pin} has no pwm: in the config` });
      return E.tryCatch(
        () => {
          let thread = pwmThreads.get(at.req);
          if (thread === undefined) pwmThreads.set(at.req, (thread = addon.pwmOpen(at.req.fd)));
          const { highNs, lowNs } = periodNs(setting);
          addon.pwmSet(thread, at.i, highNs, lowNs);
          if (highNs > 0 && lowNs > 0) running.add(pin);
          else running.delete(pin);
          return setting;
        },
        (e) => errors.failed(pin, e),
      );
    },
    close: () => {
      if (closed) return;
      closed = true;
      // The PWM threads and a reader thread still running end before their descriptors are closed.
      for (const thread of pwmThreads.values()) addon.pwmClose(thread);
      pwmThreads.clear();
      watch.stop();
      closeAll();
    },
  });
};

/** Requests one chip's lines (polled inputs first, then edge inputs, then outputs); Left is why not, in the user's terms. */
const requestChip = (addon: NativeAddon, chip: CdevChip, pins: ReadonlyArray<PinSpec>): Either<string, ChipRequest> => {
  const allInputs = pins.filter((p): p is InputSpec => p.direction === 'input');
  const inputs = allInputs.filter((p) => !watchesEdges(p));
  const edgeInputs = allInputs.filter(watchesEdges);
  const outputs = pins.filter((p): p is OutputSpec => p.direction === 'output');
  const lines: PinSpec[] = [...inputs, ...edgeInputs, ...outputs];
  const offsets = lines.map(lineOf);

  /** Why a request failed, in the user's terms (see messages.requestRefused); the pins named by their lines on this chip. */
  const requestError = (tried: ReadonlyArray<PinSpec>, e: unknown): string =>
    messages.requestRefused(e, {
      chip: chip.name,
      path: chip.path,
      pins: tried.map(lineOf),
      pinOf: (line) => {
        const p = pins.find((q) => lineOf(q) === line);
        return p === undefined || p.pin === line ? String(line) : `${p.pin} (line ${line})`;
      },
      holder: () =>
        tried
          .map((p) => {
            try {
              const info = addon.lineInfo(chip.path, lineOf(p));
              return { pin: lineOf(p), used: (info.flags & V2Flag.USED) !== 0, consumer: info.consumer };
            } catch {
              return { pin: lineOf(p), used: false, consumer: '' };
            }
          })
          .find((l) => l.used),
      // uAPI v2 came with Linux 5.10, after bias (5.5): its EINVAL is something else.
      bias: false,
    });

  // Outputs that keep their level: read it without taking the line.
  const kept = outputs.filter((p) => p.initial === 'keep');
  const keptLevels = new Map<number, Level>();
  if (kept.length > 0) {
    let fd: number | undefined;
    try {
      const asIs = requestConfig(kept.map((p) => (p.activeLow ? V2Flag.ACTIVE_LOW : 0)), []);
      if (E.isLeft(asIs)) return asIs;
      fd = addon.request(chip.path, kept.map(lineOf), CONSUMER, asIs.right.flags, asIs.right.attrs, 0);
      const values = addon.getValues(fd, kept.length);
      kept.forEach((p, i) => keptLevels.set(p.pin, level(values[i])));
    } catch (e) {
      return E.left(requestError(kept, e));
    } finally {
      if (fd !== undefined) addon.close(fd);
    }
  }

  const config = requestConfig(
    lines.map((p) => (p.direction === 'input' ? edgeFlags(p) : outputFlags(p))),
    lines.map((p) => (p.direction === 'input' ? undefined : p.initial === 'keep' ? (keptLevels.get(p.pin) ?? 0) : p.initial)),
  );
  if (E.isLeft(config)) return config;
  try {
    const fd = addon.request(chip.path, offsets, CONSUMER, config.right.flags, config.right.attrs, edgeInputs.length > 0 ? EVENT_BUFFER_MAX : 0);
    return E.right({ chip, lines, polled: inputs.length, edges: edgeInputs.length, fd });
  } catch (e) {
    return E.left(requestError(lines, e));
  }
};
