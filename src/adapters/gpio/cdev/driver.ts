import * as E from 'fp-ts/Either';
import { readdirSync } from 'node:fs';
import { type InputSpec, type Level, type OutputSpec, type PinSpec, watchesEdges } from '../../../core/model';
import { chooseChip, type ChipHandle, CONSUMER } from '../chip';
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
 * The character-device driver through our own addon over the kernel's GPIO
 * uAPI v2: no libgpiod, so the same on Bookworm (libgpiod 1.6) and Trixie
 * (libgpiod 2). Every configured line is in one request, each with its own
 * flags (a v2 request carries per-line attributes), so a poll is one ioctl
 * for every input, and a write one ioctl.
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
  const chosen = chooseChip<CdevChip>(
    {
      getChipNames: () => listChips(dev),
      open: (name) => {
        const path = `${dev}/${name}`;
        const info = addon.chipInfo(path);
        return { name, path, label: info.label, numberOfLines: info.lines };
      },
    },
    chipWanted,
  );
  if (E.isLeft(chosen)) return chosen;
  const { chip, why } = chosen.right;

  const outOfRange = pins.filter((p) => p.pin >= chip.numberOfLines).map((p) => p.pin);
  if (outOfRange.length > 0) return E.left(messages.outOfRange(outOfRange, chip.name, chip.numberOfLines));
  if (pins.length > MAX_LINES) return E.left(`${pins.length} pins configured: one request of the GPIO character device holds at most ${MAX_LINES}`);

  // Polled inputs first (one ioctl reads them all), then edge inputs, then outputs.
  const allInputs = pins.filter((p): p is InputSpec => p.direction === 'input');
  const inputs = allInputs.filter((p) => !watchesEdges(p));
  const edgeInputs = allInputs.filter(watchesEdges);
  const outputs = pins.filter((p): p is OutputSpec => p.direction === 'output');
  const lines: PinSpec[] = [...inputs, ...edgeInputs, ...outputs];
  const offsets = lines.map((p) => p.pin);

  /** Why a request failed, in the user's terms (see messages.requestRefused). */
  const requestError = (tried: ReadonlyArray<PinSpec>, e: unknown): string =>
    messages.requestRefused(e, {
      chip: chip.name,
      path: chip.path,
      pins: tried.map((p) => p.pin),
      holder: () =>
        tried
          .map((p) => {
            try {
              const info = addon.lineInfo(chip.path, p.pin);
              return { pin: p.pin, used: (info.flags & V2Flag.USED) !== 0, consumer: info.consumer };
            } catch {
              return { pin: p.pin, used: false, consumer: '' };
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
      fd = addon.request(chip.path, kept.map((p) => p.pin), CONSUMER, asIs.right.flags, asIs.right.attrs, 0);
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
  let fd: number;
  try {
    fd = addon.request(chip.path, offsets, CONSUMER, config.right.flags, config.right.attrs, edgeInputs.length > 0 ? EVENT_BUFFER_MAX : 0);
  } catch (e) {
    return E.left(requestError(lines, e));
  }

  const index = new Map(lines.map((p, i) => [p.pin, i]));
  let closed = false;
  const notOpen = (pin: number): E.Either<DriverError, never> => E.left(closed ? errors.released(pin) : errors.notRequested(pin));

  // The edge lines' events come on the request's own file descriptor, read by the addon's reader thread.
  const toEdge = (e: ReaderRecord): KernelEdge => ({ pin: e.offset, rising: e.rising, timestampNs: e.timestampNs, seqno: e.seqno });
  const watch = singleWatch({
    none: edgeInputs.length === 0,
    closed: () => closed,
    start: (subscriber) => {
      // What was queued before anyone listened belongs to nobody: drop it, so the levels read next are the start.
      while (addon.readEvents(fd).length > 0);
      // The thread empties the kernel's queue as it fills; the pump hands on what it read, yielding to MQTT (see edge-pump).
      let reader: ReaderHandle | undefined;
      const pump = edgePump(
        () => (reader === undefined ? [] : addon.readerTake(reader).map(toEdge)),
        (e) => subscriber.next(e),
        (err) => subscriber.error(err),
      );
      reader = addon.readerStart([fd], [0], 2, pump.readable);
      const started = reader;
      return () => {
        addon.readerStop(started);
        pump.stop();
      };
    },
  });
  const edges = watch.edges;

  // Software PWM: one thread for this request's PWM lines, started with the first PWM.
  const pwmLines = new Set(outputs.filter((p) => p.pwm !== undefined).map((p) => p.pin));
  let pwmThread: PwmHandle | undefined;
  const running = new Set<number>();

  return E.right({
    kind: 'cdev',
    description: `${chip.name} (${chip.label})`,
    why,
    inputs: inputs.map((p) => p.pin),
    edgeInputs: edgeInputs.map((p) => p.pin),
    edges,
    readInputs: () => {
      if (closed) return E.left(errors.released());
      if (inputs.length === 0) return E.right([]);
      // The inputs are the request's first lines: one ioctl reads them all.
      return E.tryCatch(() => addon.getValues(fd, inputs.length).map(level), (e) => errors.failed(undefined, e));
    },
    read: (pin) => {
      const i = index.get(pin);
      if (i === undefined || closed) return notOpen(pin);
      return E.tryCatch(() => level(addon.getValues(fd, i + 1)[i]), (e) => errors.failed(pin, e));
    },
    write: (pin, value) => {
      const i = index.get(pin);
      if (i === undefined || closed) return notOpen(pin);
      if (lines[i]?.direction !== 'output') return E.left(errors.notAnOutput(pin));
      return E.tryCatch(
        () => {
          // A PWM on the line ends first: the thread leaves it alone from here.
          if (pwmThread !== undefined && running.delete(pin)) addon.pwmStop(pwmThread, i);
          addon.setValues(fd, [i], [value]);
          return level(addon.getValues(fd, i + 1)[i]);
        },
        (e) => errors.failed(pin, e),
      );
    },
    pwm: (pin, setting) => {
      const i = index.get(pin);
      if (i === undefined || closed) return notOpen(pin);
      if (!pwmLines.has(pin)) return E.left({ pin, message: `GPIO ${pin} has no pwm: in the config` });
      return E.tryCatch(
        () => {
          pwmThread ??= addon.pwmOpen(fd);
          const { highNs, lowNs } = periodNs(setting);
          addon.pwmSet(pwmThread, i, highNs, lowNs);
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
      // The PWM thread and a reader thread still running end before the descriptor is closed.
      if (pwmThread !== undefined) addon.pwmClose(pwmThread);
      watch.stop();
      try {
        addon.close(fd);
      } catch {
        // Best effort: the kernel frees the lines when the process exits.
      }
    },
  });
};
