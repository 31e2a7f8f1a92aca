import * as E from 'fp-ts/Either';
import { Observable } from 'rxjs';
import type { KernelEdge } from '../../../streams/edges';
import { CONSUMER } from '../libgpiod/addon';
import { type CdevAddon, V2Flag } from './addon';
import { inputFlags, requestConfig } from './driver';

/** An input line to watch for edges. */
export interface EdgeLine {
  readonly pin: number;
  readonly bias: 'as-is' | 'pull-up' | 'pull-down';
  readonly activeLow: boolean;
}

export interface EdgeDeps {
  readonly addon: CdevAddon;
  /** The chip's device file, `/dev/gpiochip0`. */
  readonly chipPath: string;
  /** Events the kernel queues for the request before it drops the oldest (it rounds up; 0: its default, 16 per line). */
  readonly bufferSize: number;
}

const flagsOf = (l: EdgeLine): number => inputFlags(l) | V2Flag.EDGE_RISING | V2Flag.EDGE_FALLING;

/**
 * The kernel's edge events on `lines`, as they are queued: every edge, in the
 * kernel's order, with its timestamp (CLOCK_MONOTONIC, ns) and sequence
 * number, so a consumer can tell a dropped event from none (see
 * streams/edges). One uAPI v2 request holds every line; libuv watches its
 * file descriptor on the event loop, so there is no thread and no process per
 * line, and each wake-up drains everything the kernel queued.
 *
 * Subscribing requests the lines (a request failure is the stream's error,
 * with the kernel's errno code); unsubscribing stops watching and releases
 * them. Edges are logical: on an active-low line, rising means going active.
 */
export const watchEdges = (lines: ReadonlyArray<EdgeLine>, deps: EdgeDeps): Observable<KernelEdge> =>
  new Observable<KernelEdge>((subscriber) => {
    const { addon } = deps;
    const config = requestConfig(lines.map(flagsOf), []);
    if (E.isLeft(config)) {
      subscriber.error(new Error(config.left));
      return undefined;
    }
    const fd = addon.request(deps.chipPath, lines.map((l) => l.pin), CONSUMER, config.right.flags, config.right.attrs, deps.bufferSize);
    const drain = () => {
      try {
        for (const e of addon.readEvents(fd)) subscriber.next({ pin: e.offset, rising: e.rising, timestampNs: e.timestampNs, seqno: e.seqno });
      } catch (err) {
        subscriber.error(err);
      }
    };
    const handle = addon.watch(fd, drain);
    return () => {
      addon.unwatch(handle);
      addon.close(fd);
    };
  });
