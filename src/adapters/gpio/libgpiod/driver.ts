import * as E from 'fp-ts/Either';
import { type InputSpec, type Level, lineOf, type OutputSpec, type PinSpec, watchesEdges } from '../../../core/model';
import type { DriverError, GpioDriver } from '../driver';
import { type Addon, type AddonBulk, type AddonChip, type AddonLine, Flag, loadAddon, RequestType } from './addon';
import { loadNativeAddon, type NativeAddon } from '../native/addon';
import { type EdgeLines, loadEdgeAddon, requestEdgeLines } from './edges';
import { singleWatch } from '../edge-pump';
import { type ChipUsed, choosePinChips, CONSUMER } from '../chip';
import * as errors from '../errors';
import * as messages from '../messages';
import type { Either } from '../../../core/either';

export interface LibgpiodDriver extends GpioDriver {
  readonly kind: 'libgpiod';
  /** Which chip and why it was chosen, for the start-up log. */
  readonly why: string;
  /** Every chip the pins are on, each with why it was chosen and its pins, for the start-up log. */
  readonly chips: ReadonlyArray<ChipUsed>;
}

const inputFlags = (p: InputSpec): number =>
  (p.activeLow ? Flag.ACTIVE_LOW : 0) |
  (p.bias === 'pull-up' ? Flag.BIAS_PULL_UP : 0) |
  (p.bias === 'pull-down' ? Flag.BIAS_PULL_DOWN : 0);

const outputFlags = (p: OutputSpec): number => (p.activeLow ? Flag.ACTIVE_LOW : 0);

const level = (v: number): Level => (v ? 1 : 0);

/** Why a request failed, in the user's terms (see messages.requestRefused). */
const requestError = (addon: Addon, chip: AddonChip, pins: ReadonlyArray<number>, flags: number, e: unknown, specs: ReadonlyArray<PinSpec> = []): string =>
  messages.requestRefused(e, {
    chip: chip.name,
    path: `/dev/${chip.name}`,
    pins,
    pinOf: (line) => {
      const p = specs.find((q) => lineOf(q) === line);
      return p === undefined || p.pin === line ? String(line) : `${p.pin} (line ${line})`;
    },
    // Line info names the holder; a Line object for a line we do not hold releases nothing when collected.
    holder: () => pins.map((pin) => ({ pin, consumer: new addon.Line(chip, pin).consumer })).find((l) => l.consumer),
    // libgpiod 1.x sets bias through uAPI v1, which a kernel before 5.5 refuses with EINVAL.
    bias: (flags & (Flag.BIAS_PULL_UP | Flag.BIAS_PULL_DOWN | Flag.BIAS_DISABLE)) !== 0,
  });

/**
 * The character-device driver through node-libgpiod (libgpiod 1.x, kernel
 * uAPI v1). A v1 request carries one set of flags for all its lines, and
 * libgpiod 1.x reads or writes a line through its request's handle in handle
 * order, so: inputs are requested in one bulk per distinct flag set (bias,
 * active-low) and each is read only through its bulk; each output is a
 * request of its own. Every poll tick is one bulk read per input group.
 *
 * Edge inputs are requested for both edges through libgpiod 1.x's own event
 * API, called from our addon (see ./edges.ts): one event request per line,
 * as uAPI v1 has it. Their levels are read through those requests.
 *
 * Pins may be on several chips (a GPIO expander's gpiochip beside the
 * header's): every chip is chosen and every line checked before any is
 * requested; each chip has its own bulks and lines, and the edge lines of
 * every chip are read by one reader thread. The port's pins are the topics'
 * numbers; each is line `lineOf(p)` of its chip.
 *
 * Chip, bulk and line objects are held for the driver's life: node-libgpiod
 * releases a line when its object is garbage-collected.
 */
export const openLibgpiodDriver = (
  pins: ReadonlyArray<PinSpec>,
  chipWanted: string,
  load: () => Either<string, Addon> = loadAddon,
  loadOurs: () => Either<string, NativeAddon> = loadNativeAddon,
): Either<string, LibgpiodDriver> => {
  const addon = load();
  if (E.isLeft(addon)) return addon;
  // Edge inputs need our addon: say so before anything is requested.
  const watched = pins.filter((p): p is InputSpec => p.direction === 'input' && watchesEdges(p));
  const ours = watched.length === 0 ? undefined : loadEdgeAddon(watched.map((p) => p.pin), loadOurs);
  if (ours !== undefined && E.isLeft(ours)) return ours;
  const { Chip } = addon.right;
  // Every chip chosen and every range problem found before any line is touched.
  const chosen = choosePinChips({ getChipNames: () => addon.right.getChipNames(), open: (name) => new Chip(name) }, pins, chipWanted);
  if (E.isLeft(chosen)) return chosen;
  const chips = chosen.right;
  const { Bulk, Line } = addon.right;

  const keepAlive: { chips?: ReadonlyArray<AddonChip> } = { chips: chips.map((c) => c.chip) };
  const held: Array<{ release(): void }> = [];
  const releaseAll = () => {
    for (const h of held.splice(0).reverse()) {
      try {
        h.release();
      } catch {
        // Releasing is best effort: the kernel frees what is left when the process exits.
      }
    }
  };
  const chipOf = new Map(chips.flatMap((c) => c.pins.map((p) => [p.pin, c.chip] as const)));
  const onChip = (p: PinSpec): AddonChip => chipOf.get(p.pin) as AddonChip;

  // Polled inputs: one bulk per chip and distinct flag set.
  const inputs = pins.filter((p): p is InputSpec => p.direction === 'input' && !watchesEdges(p));
  const bulks: Array<{ bulk: AddonBulk; pins: number[] }> = [];
  for (const c of chips) {
    const groups = new Map<number, InputSpec[]>();
    for (const p of inputs.filter((q) => onChip(q) === c.chip)) groups.set(inputFlags(p), [...(groups.get(inputFlags(p)) ?? []), p]);
    for (const [flags, group] of groups) {
      const offsets = group.map(lineOf);
      try {
        const bulk = new Bulk(c.chip, offsets);
        bulk.requestInputFlags(CONSUMER, flags);
        held.push(bulk);
        bulks.push({ bulk, pins: group.map((p) => p.pin) });
      } catch (e) {
        releaseAll();
        return E.left(requestError(addon.right, c.chip, offsets, flags, e, group));
      }
    }
  }

  let edgeLines: EdgeLines | undefined;
  if (ours !== undefined && E.isRight(ours)) {
    const byChip = chips
      .map((c) => ({ chip: c.chip, lines: watched.filter((p) => onChip(p) === c.chip) }))
      .filter((c) => c.lines.length > 0);
    try {
      edgeLines = requestEdgeLines(
        ours.right,
        byChip.map((c) => ({ chipName: c.chip.name, lines: c.lines.map((p) => ({ pin: p.pin, line: lineOf(p), flags: inputFlags(p) })) })),
      );
      held.push(edgeLines);
    } catch (e) {
      releaseAll();
      const { offset, chipName } = e as { offset?: unknown; chipName?: unknown };
      const failed = watched.find((p) => onChip(p).name === chipName && lineOf(p) === offset) ?? (watched[0] as InputSpec);
      return E.left(requestError(addon.right, onChip(failed), [lineOf(failed)], inputFlags(failed), e, [failed]));
    }
  }

  const outputs = new Map<number, AddonLine>();
  for (const p of pins.filter((q): q is OutputSpec => q.direction === 'output')) {
    const flags = outputFlags(p);
    try {
      const line = new Line(onChip(p), lineOf(p));
      // No initial level: read the level the line has, without changing its direction, and keep it.
      let initial: number = p.initial === 'keep' ? 0 : p.initial;
      if (p.initial === 'keep') {
        line.lineRequest({ consumer: CONSUMER, requestType: RequestType.AS_IS, flags }, 0);
        initial = line.getValue();
        line.release();
      }
      line.requestOutputModeFlags(CONSUMER, flags, initial);
      held.push(line);
      outputs.set(p.pin, line);
    } catch (e) {
      releaseAll();
      return E.left(requestError(addon.right, onChip(p), [lineOf(p)], flags, e, [p]));
    }
  }

  // Where each input's level is found after one read of every bulk, in configured order.
  const place = inputs.map((p) => {
    const b = bulks.findIndex((g) => g.pins.includes(p.pin));
    return { pin: p.pin, bulk: b, index: (bulks[b] as { pins: number[] }).pins.indexOf(p.pin) };
  });
  let closed = false;
  const readInputs = (): E.Either<DriverError, ReadonlyArray<Level>> => {
    if (closed) return E.left(errors.released());
    try {
      const values = bulks.map((g) => g.bulk.values);
      return E.right(place.map((p) => level((values[p.bulk] as number[])[p.index] ?? 0)));
    } catch (e) {
      return E.left(errors.failed(undefined, e));
    }
  };

  const notOpen = (pin: number): E.Either<DriverError, never> => E.left(closed ? errors.released(pin) : errors.notRequested(pin));

  // One subscriber at a time; what it watches stops before the lines are released.
  const watch = singleWatch({
    none: edgeLines === undefined,
    closed: () => closed,
    start: (subscriber) => {
      const lines = edgeLines as EdgeLines;
      // What was queued before anyone listened belongs to nobody: drop it, so the levels read next are the start.
      lines.drain();
      return lines.watch(
        (batch) => batch.forEach((e) => subscriber.next(e)),
        (err) => subscriber.error(err),
      );
    },
  });
  const edges = watch.edges;

  return E.right({
    kind: 'libgpiod',
    description: chips.map((c) => c.description).join(', '),
    why: chips.map((c) => c.why).join('; '),
    chips: chips.map((c) => ({ description: c.description, why: c.why, pins: c.pins.map((p) => p.pin) })),
    inputs: inputs.map((p) => p.pin),
    edgeInputs: watched.map((p) => p.pin),
    readInputs,
    read: (pin) => {
      const line = outputs.get(pin);
      if (line !== undefined && !closed) {
        return E.tryCatch(() => level(line.getValue()), (e) => errors.failed(pin, e));
      }
      const lines = edgeLines;
      if (lines !== undefined && lines.pins.includes(pin) && !closed) return E.tryCatch(() => lines.read(pin), (e) => errors.failed(pin, e));
      const at = place.find((p) => p.pin === pin);
      if (at === undefined || closed) return notOpen(pin);
      return E.tryCatch(() => level((bulks[at.bulk] as { bulk: AddonBulk }).bulk.values[at.index] ?? 0), (e) => errors.failed(pin, e));
    },
    write: (pin, value) => {
      const line = outputs.get(pin);
      if (line === undefined || closed) {
        const isInput = place.some((p) => p.pin === pin) || (edgeLines?.pins.includes(pin) ?? false);
        return isInput && !closed ? E.left(errors.notAnOutput(pin)) : notOpen(pin);
      }
      return E.tryCatch(
        () => {
          line.setValue(value);
          return level(line.getValue());
        },
        (e) => errors.failed(pin, e),
      );
    },
    edges,
    close: () => {
      closed = true;
      // The reader thread ends (joined) before libgpiod closes the event fds it reads.
      watch.stop();
      releaseAll();
      // The chips stay referenced until here: node-libgpiod releases every line
      // requested through a chip when the chip object is collected.
      keepAlive.chips = undefined;
    },
  });
};
