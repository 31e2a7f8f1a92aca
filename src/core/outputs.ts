import type { Ignored, Rejected } from './reducer';
import type { Level } from './model';

/** A pin's level, for its state topic. */
export interface State {
  readonly _tag: 'State';
  readonly pin: number;
  readonly level: Level;
}

/** A simulated input was set; the poll publishes the change. */
export interface Simulated {
  readonly _tag: 'Simulated';
  readonly topic: string;
  readonly pin: number;
  readonly level: Level;
}

/**
 * Everything the pipeline emits. States go to `gpio/<thing>/<pin>/state`,
 * rejections to `gpio/<thing>/error`, the rest only to the log.
 */
export type Output = State | Rejected | Ignored | Simulated;

export const state = (pin: number, level: Level): State => ({ _tag: 'State', pin, level });

export const isState = (o: Output): o is State => o._tag === 'State';
export const isRejected = (o: Output): o is Rejected => o._tag === 'Rejected';
