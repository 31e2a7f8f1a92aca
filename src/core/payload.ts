import * as E from 'fp-ts/Either';
import type { Level } from './model';
import type { Either } from './either';

/**
 * A write payload: `0` or `1` as an integer or as a JSON string (`"1"`), with
 * surrounding white space allowed. The seed's Lambda sends `str(state)`; early
 * versions of its docs asked for JSON, so both must work.
 */
export const parseLevel = (payload: string): Either<string, Level> => {
  const text = payload.trim();
  switch (text) {
    case '0':
    case '"0"':
      return E.right(0);
    case '1':
    case '"1"':
      return E.right(1);
    default:
      return E.left(text);
  }
};

/**
 * A pin segment is the pin's number written the one way `String(pin)` writes
 * it: decimal digits without a leading zero (`0` itself is pin 0), at most
 * four. So `1e1`, `0x5`, ` 5`, `-1` and `08` are not pins: every answer goes
 * to `gpio/<thing>/<segment>/state` with the very segment of the request, a
 * topic the requester can predict and subscribe to.
 */
export const parsePin = (segment: string): number | undefined =>
  /^(0|[1-9][0-9]{0,3})$/.test(segment) ? Number(segment) : undefined;

/** `"008"` is `"8"`: the segment a requester meant, when it only has leading zeros too many. */
export const canonicalPin = (segment: string): string | undefined =>
  /^0[0-9]+$/.test(segment) && segment.length <= 12 ? String(Number(segment)) : undefined;

/** The state payload: the string `"0"` or `"1"`. */
export const formatLevel = (level: Level): string => (level === 1 ? '1' : '0');

/**
 * An event payload: `{"edge","level","time"[,"timestampNs"]}`. `time` is
 * the wall-clock time of the edge (ISO 8601, UTC, milliseconds), worked out
 * by the caller; `timestampNs` is the kernel's own CLOCK_MONOTONIC timestamp,
 * as a decimal string (it outgrows a JSON number's exact integers), and is
 * absent for a polled input.
 */
export const formatEvent = (rising: boolean, time: string, timestampNs?: bigint): string =>
  JSON.stringify({
    edge: rising ? 'rising' : 'falling',
    level: rising ? 1 : 0,
    time,
    ...(timestampNs === undefined ? {} : { timestampNs: timestampNs.toString() }),
  });

/** A count payload: the count in decimal. */
export const formatCount = (count: number): string => String(count);
