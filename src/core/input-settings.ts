import type { CountMode, EdgeMode, InputSpec } from './model';

/** Per input pin, what happens after its level is seen. */
export interface InputSettings {
  readonly debounceMs: (pin: number) => number;
  /** Whether any pin has a debounce window, events or a counter: without, levels go straight to states. */
  readonly debounces?: boolean;
  readonly publishesEvents?: boolean;
  /** Which edges are the pin's events; undefined: it publishes none. */
  readonly events: (pin: number) => EdgeMode | undefined;
  readonly count: (pin: number) => CountMode | undefined;
  /** The pins with a counter: their count is published at start-up and on a resync. */
  readonly counted: ReadonlyArray<number>;
}

/** Settings from the configured inputs. */
export const inputSettings = (pins: ReadonlyArray<InputSpec>): InputSettings => {
  const by = new Map(pins.map((p) => [p.pin, p]));
  return {
    debounceMs: (pin) => by.get(pin)?.debounceMs ?? 0,
    events: (pin) => {
      const p = by.get(pin);
      return p?.events === true ? (p.edge ?? 'none') : undefined;
    },
    count: (pin) => by.get(pin)?.count,
    counted: pins.filter((p) => p.count !== undefined).map((p) => p.pin),
    debounces: pins.some((p) => (p.debounceMs ?? 0) > 0),
    publishesEvents: pins.some((p) => p.events === true),
  };
};

/** Whether an edge is one of a pin's events: its `edge` setting selects it (`none`, a polled pin's: every change). */
export const isEventOf = (mode: EdgeMode | undefined, rising: boolean): boolean =>
  mode === 'both' || mode === 'none' || (mode === 'rising' && rising) || (mode === 'falling' && !rising);

/** Whether a counter in `mode` counts an edge. */
export const counts = (mode: CountMode | undefined, rising: boolean): boolean => mode === 'both' || (mode === 'rising' && rising);
