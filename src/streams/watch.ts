/**
 * Inputs, from the line to their outputs: polled samples and kernel edges
 * become one stream of level observations, which is debounced, then fanned
 * out to states, events and counts. Each step is a stream unit of its own.
 */
import * as E from 'fp-ts/Either';
import {
  catchError,
  concat,
  connect,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  finalize,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  Subject,
} from 'rxjs';
import type { GpioDriver, KernelEdge } from '../core/driver';
import * as errors from '../core/errors';
import type { CountMode, EdgeMode, InputSpec, Level } from '../core/model';
import { type Count, type Event, type Output, state } from '../core/outputs';
import type { Rejected } from '../core/reducer';
import { stateTopic } from '../core/topics';
import { countPulses, edgesOfLevels } from './counter';
import { debounceLevels } from './debounce';
import { type EdgeGap, edgesToLevels } from './edges';
import { type Sample, sameSample } from './inputs';

/** A level seen on an input line: by a poll (no `at`) or by an edge (`at`: the kernel's timestamp). */
export interface Observed {
  readonly _tag: 'Level';
  readonly pin: number;
  readonly level: Level;
  readonly at?: bigint;
}

/** What the watching units emit: levels, and what went wrong on the way, as values. */
export type Watched = Observed | EdgeGap | Rejected;

export interface WatchDeps {
  readonly driver: GpioDriver;
  readonly thing: string;
}

/**
 * Each tick, one bulk read of every polled input, then `distinctUntilChanged`
 * over the whole sample: a level for each pin on the first sample, and for
 * each pin whose level changed since the last good sample. A failed read is
 * one rejection per run of the same failure.
 */
export const pollLevels = (tick$: Observable<unknown>, deps: WatchDeps): Observable<Watched> =>
  defer(() => {
    const { driver, thing } = deps;
    const pins = driver.inputs;
    let last: ReadonlyArray<Level> | undefined;
    return tick$.pipe(
      map((): Sample => driver.readInputs()),
      distinctUntilChanged(sameSample),
      mergeMap((sample): Watched[] => {
        if (E.isLeft(sample)) {
          const pin = sample.left.pin ?? pins[0] ?? 0;
          return [{ _tag: 'Rejected', error: errors.driverFailure(stateTopic(thing, pin), 'Polling', pin, sample.left.message) }];
        }
        const levels = sample.right;
        const out: Watched[] = [];
        for (let i = 0; i < pins.length; i++) {
          const level = levels[i] as Level;
          if (last === undefined || last[i] !== level) out.push({ _tag: 'Level', pin: pins[i] as number, level });
        }
        last = levels;
        return out;
      }),
    );
  });

/**
 * The edge inputs' levels: subscribes to the driver's edges first (which
 * drops what the kernel queued before), then reads each pin's level, so no
 * edge falls between the read and the watch; then follows every edge, in
 * order, with its timestamp (streams/edges). A lost event is a gap; a
 * failure to read a first level or to watch is a rejection, and watching
 * stops there (polled inputs go on).
 */
export const edgeLevels = (deps: WatchDeps): Observable<Watched> =>
  defer(() => {
    const { driver, thing } = deps;
    const pins = driver.edgeInputs;
    if (pins.length === 0) return EMPTY;
    const live = new Subject<KernelEdge>();
    const watching = driver.edges().subscribe(live);
    const initial = new Map<number, Level>();
    const failures: Watched[] = [];
    for (const pin of pins) {
      const read = driver.read(pin);
      if (E.isRight(read)) initial.set(pin, read.right);
      else failures.push({ _tag: 'Rejected', error: errors.driverFailure(stateTopic(thing, pin), 'Reading', pin, read.left.message) });
    }
    const first = pins[0] as number;
    return concat(of(...failures), edgesToLevels(live, { initial, firstSeqno: 'any' })).pipe(
      catchError((e: unknown) =>
        of<Watched>({
          _tag: 'Rejected',
          error: errors.driverFailure(stateTopic(thing, first), 'Watching the edges of', first, e instanceof Error ? e.message : String(e)),
        }),
      ),
      finalize(() => watching.unsubscribe()),
    );
  });

/** Per input pin, what happens after its level is seen. */
export interface InputSettings {
  readonly debounceMs: (pin: number) => number;
  /** Whether any pin has a debounce window, events or a counter: without, levels go straight to states. */
  readonly debounces?: boolean;
  readonly publishesEvents?: boolean;
  /** Which edges are the pin's events; undefined: it publishes none. */
  readonly events: (pin: number) => EdgeMode | undefined;
  readonly count: (pin: number) => CountMode | undefined;
  /** The pins with a counter: their count is published at start-up and on `resync$`. */
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

const selects = (mode: EdgeMode | undefined, rising: boolean): boolean =>
  mode === 'both' || mode === 'none' || (mode === 'rising' && rising) || (mode === 'falling' && !rising);

/**
 * A pin's events, from its (debounced) levels: every change after the first
 * level that its `edge` setting selects (a polled pin's events are all its
 * changes), with the timestamp of the edge that started it.
 */
export const pinEvents = (level$: Observable<Observed>, settings: Pick<InputSettings, 'events'>): Observable<Event> =>
  edgesOfLevels(level$.pipe(filter((o) => settings.events(o.pin) !== undefined))).pipe(
    filter((e) => selects(settings.events(e.pin), e.rising)),
    map((e): Event => (e.timestampNs === undefined ? { _tag: 'Event', pin: e.pin, rising: e.rising } : { _tag: 'Event', pin: e.pin, rising: e.rising, timestampNs: e.timestampNs })),
  );

/**
 * Each counting pin's count: 0 at subscription (a count starts with the
 * service), then after each counted edge of its (debounced) levels, and
 * every count again on each `resync$` (after a reconnect).
 */
export const pinCounts = (
  level$: Observable<Observed>,
  settings: Pick<InputSettings, 'count' | 'counted'>,
  resync$: Observable<unknown> = EMPTY,
): Observable<Count> =>
  defer(() => {
    if (settings.counted.length === 0) return EMPTY;
    const latest = new Map(settings.counted.map((pin) => [pin, 0]));
    const all = (): Count[] => [...latest].map(([pin, count]) => ({ _tag: 'Count', pin, count }));
    const counted$ = countPulses(edgesOfLevels(level$.pipe(filter((o) => settings.count(o.pin) !== undefined))), { mode: settings.count }).pipe(
      map(({ pin, count }): Count => {
        latest.set(pin, count);
        return { _tag: 'Count', pin, count };
      }),
    );
    return merge(of(...all()), counted$, resync$.pipe(mergeMap(all)));
  });

const isObserved = (w: Watched): w is Observed => w._tag === 'Level';

const toState = (o: Observed): Output => state(o.pin, o.level);

/**
 * Levels, debounced where a pin has a window, to states, events and counts.
 * Settings that say no pin debounces, publishes events or counts (as for the
 * Greengrass strings) skip those units: the path is then the poll's alone.
 */
const fanOut = (
  level$: Observable<Observed>,
  deps: { readonly settings: InputSettings; readonly resync$?: Observable<unknown> },
): Observable<Output> => {
  const { settings } = deps;
  const all = settings.debounces === undefined || settings.publishesEvents === undefined;
  const debounced$ = all || settings.debounces === true ? debounceLevels(level$, settings) : level$;
  if (!all && settings.publishesEvents === false && settings.counted.length === 0) return debounced$.pipe(map(toState));
  return debounced$.pipe(
    connect((levels) => merge(levels.pipe(map(toState)), pinEvents(levels, settings), pinCounts(levels, settings, deps.resync$))),
  );
};

/**
 * Observed levels to outputs: gaps and failures to the error topic; levels
 * debounced per pin, then to states, events and counts (in that order for
 * one change).
 */
export const inputOutputs = (
  watched$: Observable<Watched>,
  deps: { readonly thing: string; readonly settings: InputSettings; readonly resync$?: Observable<unknown> },
): Observable<Output> =>
  watched$.pipe(
    connect((all) =>
      merge(
        all.pipe(
          filter((w): w is EdgeGap | Rejected => !isObserved(w)),
          map((w): Output => (w._tag === 'Gap' ? { _tag: 'Rejected', error: errors.eventsLost(stateTopic(deps.thing, w.pin), w.pin, w.missed) } : w)),
        ),
        fanOut(all.pipe(filter(isObserved)), deps),
      ),
    ),
  );
