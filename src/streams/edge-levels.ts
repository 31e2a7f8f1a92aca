import * as E from 'fp-ts/Either';
import { catchError, concat, defer, EMPTY, finalize, type Observable, of, Subject } from 'rxjs';
import type { KernelEdge } from '../core/driver';
import * as errors from '../core/errors';
import type { Level } from '../core/model';
import type { Watched } from '../core/observation';
import { stateTopic } from '../core/topics';
import { edgesToLevels } from './edges';
import type { WatchDeps } from './poll';

/**
 * The edge inputs' levels: subscribes to the driver's edges first (which
 * drops what the kernel queued before), then reads each pin's level, so no
 * edge falls between the read and the watch; then follows every edge, in
 * order, with its timestamp (`edgesToLevels`). A lost event is a gap; a
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
