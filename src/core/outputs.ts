import type { Ignored, Rejected, Reply } from './requests';
import type { Level, PinSpec } from './model';
import type { FailsafeMoved, FailsafeReport } from './failsafe';
import type { PwmSetting } from './pwm';

/** A pin's level, for its state topic. */
export interface State {
  readonly _tag: 'State';
  readonly pin: number;
  readonly level: Level;
  /** Set on the answer to a request that carried one: how to answer it. */
  readonly reply?: Reply;
}

/** A PWM output's frequency and duty, for its `pwm/state` topic: the answer to a PWM request, after a write, at start-up and on reconnect. */
export interface PwmState {
  readonly _tag: 'PwmState';
  readonly pin: number;
  readonly setting: PwmSetting;
  /** Set on the answer to a request that carried one. */
  readonly reply?: Reply;
}

export const pwmState = (pin: number, setting: PwmSetting, reply?: Reply): PwmState =>
  reply === undefined ? { _tag: 'PwmState', pin, setting } : { _tag: 'PwmState', pin, setting, reply };

/** A simulated input was set; the poll publishes the change. */
export interface Simulated {
  readonly _tag: 'Simulated';
  readonly topic: string;
  readonly pin: number;
  readonly level: Level;
}

/** One of an input's edges (after debounce), for its event topic. */
export interface Event {
  readonly _tag: 'Event';
  readonly pin: number;
  readonly rising: boolean;
  /** The kernel's timestamp (CLOCK_MONOTONIC ns) of the edge; absent for a polled input (the poll saw it, no clock did). */
  readonly timestampNs?: bigint;
}

/** A pin's pulse count: at start-up (0), after each counted edge, and after a reconnect. */
export interface Count {
  readonly _tag: 'Count';
  readonly pin: number;
  readonly count: number;
}

/** One pin in a snapshot (core/snapshot keeps them). */
export interface PinEntry {
  readonly pin: number;
  readonly direction: PinSpec['direction'];
  /** The level last published on the pin's state topic; null until the first one. */
  readonly level: Level | null;
  /** When the published level last changed (ms since the epoch); null until it first changes after start-up. */
  readonly changedMs: number | null;
  /** The pulse count, for an input with `count` only. */
  readonly count?: number;
}

/** Every configured pin, by pin number. A new array whenever anything in it changes. */
export type PinsSnapshot = ReadonlyArray<PinEntry>;

/** Every pin at a glance, for `gpio/<thing>/pins` (retained): on change, coalesced, and as the answer to a read of all pins. */
export interface Snapshot {
  readonly _tag: 'Snapshot';
  readonly pins: PinsSnapshot;
  /** When it was taken, in ms since the epoch. */
  readonly timeMs: number;
  /** Set on the answer to a read of all pins that carried one. */
  readonly reply?: Reply;
}

/**
 * Everything the pipeline emits. States go to `gpio/<thing>/<pin>/state`,
 * events to `.../event`, counts to `.../count`, rejections to
 * `gpio/<thing>/error`, snapshots to `gpio/<thing>/pins`, failsafe reports
 * to `gpio/<thing>/error` too, the rest only to the log.
 */
export type Output = State | Rejected | Ignored | Simulated | Event | Count | Snapshot | PwmState | FailsafeMoved | FailsafeReport;

export const state = (pin: number, level: Level): State => ({ _tag: 'State', pin, level });

/** A state that answers a request: with how the request asked to be answered, when it did. */
export const answeredState = (pin: number, level: Level, reply: Reply | undefined): State =>
  reply === undefined ? { _tag: 'State', pin, level } : { _tag: 'State', pin, level, reply };

export const isState = (o: Output): o is State => o._tag === 'State';
export const isRejected = (o: Output): o is Rejected => o._tag === 'Rejected';
