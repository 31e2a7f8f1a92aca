import * as E from 'fp-ts/Either';
import { EMPTY, Subject } from 'rxjs';
import { type InputSpec, type Level, type PinSpec, watchesEdges } from '../../core/model';
import type { DriverError, KernelEdge, SimulatedGpio } from './driver';
import type { Either } from '../../core/either';
import { notAnOutput, notRequested } from './errors';
import type { PwmSetting } from '../../core/pwm';

/**
 * A simulated chip held in memory: a new user can try the whole flow without a
 * Pi, and tests drive its inputs. Levels are physical; active-low pins read
 * inverted, as on the character device.
 *
 * At start-up an input with a pull-up reads 1 and any other 0; an output takes
 * its configured initial level, or keeps the line's level (0 on a fresh chip).
 *
 * Edge inputs report each change a `simulate` makes as an edge, as the kernel
 * would: logical direction, a CLOCK_MONOTONIC timestamp (`process.hrtime`),
 * and a sequence number counted from 1. Nothing is queued while nobody
 * subscribes, as if the kernel's queue were drained and dropped.
 *
 * Pins may name chips (`chip: mcp23017`): under the simulated driver any
 * name is a simulated chip of its own, so a configuration for a header and
 * an expander runs without either. The pins stay the topics' numbers;
 * `defaultChip` (`gpio.chip`) names the chip of the pins that name none.
 *
 * PWM is a model of state only, with no timer: an output with `pwm:` holds
 * its setting (`pwmSetting`), and its line reads 1 while the duty is above 0
 * (the line is on for part of each period), 0 at a duty of 0. A write ends
 * the PWM at the level written.
 */
export const openSimDriver = (
  pins: ReadonlyArray<PinSpec>,
  lineLevels: ReadonlyMap<number, Level> = new Map(),
  defaultChip = 'auto',
): Either<string, SimulatedGpio> => {
  const physical = new Map<number, Level>();
  const spec = new Map<number, PinSpec>();
  for (const p of pins) {
    spec.set(p.pin, p);
    const now = lineLevels.get(p.pin) ?? 0;
    if (p.direction === 'input') physical.set(p.pin, p.bias === 'pull-up' ? 1 : p.bias === 'pull-down' ? 0 : now);
    else physical.set(p.pin, p.initial === 'keep' ? now : toPhysical(p.initial, p.activeLow));
  }
  const allInputs = pins.filter((p): p is InputSpec => p.direction === 'input');
  const inputs = allInputs.filter((p) => !watchesEdges(p)).map((p) => p.pin);
  const edgeInputs = allInputs.filter(watchesEdges).map((p) => p.pin);
  const edgePins = new Set(edgeInputs);
  const edge$ = new Subject<KernelEdge>();
  let seqno = 0;
  let closed = false;
  const pwm = new Map<number, PwmSetting>();

  const line = (pin: number, direction?: PinSpec['direction']): E.Either<DriverError, PinSpec> => {
    const p = spec.get(pin);
    if (closed) return E.left({ pin, message: 'the simulated chip is closed' });
    if (p === undefined) return E.left(notRequested(pin));
    if (direction === 'output' && p.direction !== 'output') return E.left(notAnOutput(pin));
    if (direction === 'input' && p.direction !== 'input') return E.left({ pin, message: `GPIO ${pin} is not an input` });
    return E.right(p);
  };
  const logical = (p: PinSpec): Level => toPhysical(physical.get(p.pin) ?? 0, p.activeLow);

  return E.right({
    kind: 'sim',
    description: simulatedChips(pins, defaultChip),
    inputs,
    readInputs: () => {
      if (closed) return E.left({ message: 'the simulated chip is closed' });
      const levels: Level[] = [];
      for (const pin of inputs) levels.push(logical(spec.get(pin) as PinSpec));
      return E.right(levels);
    },
    read: (pin) => E.map(logical)(line(pin)),
    write: (pin, level) =>
      E.map((p: PinSpec) => {
        pwm.delete(pin);
        physical.set(pin, toPhysical(level, p.activeLow));
        return logical(p);
      })(line(pin, 'output')),
    pwm: (pin, setting) =>
      E.chain((p: PinSpec): Either<DriverError, PwmSetting> => {
        if (p.direction !== 'output' || p.pwm === undefined) return E.left({ pin, message: `GPIO ${pin} has no pwm: in the config` });
        pwm.set(pin, setting);
        physical.set(pin, toPhysical(setting.duty > 0 ? 1 : 0, p.activeLow));
        return E.right(setting);
      })(line(pin, 'output')),
    pwmSetting: (pin) => pwm.get(pin),
    simulate: (pin, level) =>
      E.map((p: PinSpec) => {
        const before = physical.get(pin);
        physical.set(pin, level);
        const now = logical(p);
        if (before !== level && edgePins.has(pin) && edge$.observed) {
          seqno = seqno === 0xffffffff ? 0 : seqno + 1;
          edge$.next({ pin, rising: now === 1, timestampNs: process.hrtime.bigint(), seqno });
        }
        return now;
      })(line(pin, 'input')),
    edgeInputs,
    edges: () => (edgeInputs.length === 0 ? EMPTY : edge$.asObservable()),
    lineLevel: (pin) => physical.get(pin),
    close: () => {
      closed = true;
      edge$.complete();
    },
  });
};

/** Logical to physical and back are the same flip. */
const toPhysical = (level: Level, activeLow: boolean): Level => (activeLow ? ((1 - level) as Level) : level);

/** `simulated chip`, or with pins on named chips `simulated chips: auto, mcp23017`. */
const simulatedChips = (pins: ReadonlyArray<PinSpec>, defaultChip: string): string => {
  const names = [...new Set(pins.map((p) => p.chip ?? defaultChip))];
  return names.length <= 1 && pins.every((p) => p.chip === undefined) ? 'simulated chip' : `simulated chips: ${names.join(', ')}`;
};
