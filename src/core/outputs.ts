import type { Ignored, Rejected, Reply } from './requests';
import type { Level } from './model';

/** A pin's level, for its state topic. */
export interface State {
  readonly _tag: 'State';
  readonly pin: number;
  readonly level: Level;
  /** Set on the answer to a request that carried one: how to answer it. */
  readonly reply?: Reply;
}

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

/**
 * Everything the pipeline emits. States go to `gpio/<thing>/<pin>/state`,
 * events to `.../event`, counts to `.../count`, rejections to
 * `gpio/<thing>/error`, the rest only to the log.
 */
export type Output = State | Rejected | Ignored | Simulated | Event | Count;

export const state = (pin: number, level: Level): State => ({ _tag: 'State', pin, level });

/** A state that answers a request: with how the request asked to be answered, when it did. */
export const answeredState = (pin: number, level: Level, reply: Reply | undefined): State =>
  reply === undefined ? { _tag: 'State', pin, level } : { _tag: 'State', pin, level, reply };

export const isState = (o: Output): o is State => o._tag === 'State';
export const isRejected = (o: Output): o is Rejected => o._tag === 'Rejected';
