import * as E from 'fp-ts/Either';
import type { Level } from './model';

/**
 * A write payload: `0` or `1` as an integer or as a JSON string (`"1"`), with
 * surrounding white space allowed. The seed's Lambda sends `str(state)`; early
 * versions of its docs asked for JSON, so both must work.
 */
export const parseLevel = (payload: string): E.Either<string, Level> => {
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

/** A pin segment: decimal digits only, so `1e1`, `0x5`, ` 5` and `-1` are not pins. */
export const parsePin = (segment: string): number | undefined =>
  /^[0-9]{1,4}$/.test(segment) ? Number(segment) : undefined;

/** The state payload: the string `"0"` or `"1"`. */
export const formatLevel = (level: Level): string => (level === 1 ? '1' : '0');
