import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { unknownKeyMessage } from './keys';
import { isRecord, keyPath, own, problem, show, type Problems } from './problems';
import { report } from './reporter';

/** What a mapping decoded to: every problem, and the properties that were fine. */
export interface Decoded<A> {
  readonly problems: Problems;
  readonly value: A;
}

/**
 * Decodes a mapping one property at a time, in the order the user wrote them.
 *
 * Decoding the mapping as a whole would give all shape problems too, but no
 * value as soon as one of them fails; decoding each property on its own keeps
 * the good ones, so cross-field checks (a pin out of range, a port next to a
 * URL) still run and the user sees everything in one go.
 *
 * `null` counts as absent: that is what YAML gives for a key whose lines are
 * all commented out. `required` keys must be present.
 */
export const decodeProps = <P extends t.Props>(
  codec: t.PartialType<P>,
  raw: unknown,
  path: string,
  required: ReadonlyArray<keyof P & string> = [],
): Decoded<t.TypeOf<t.PartialType<P>>> => {
  if (raw === undefined || raw === null) return decodeProps(codec, {}, path, required);
  if (!isRecord(raw)) return { problems: [problem(path, `expected ${codec.name}, got ${show(raw)}`)], value: {} };
  const known = Object.keys(codec.props);
  const problems: string[] = [];
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    const prop = Object.hasOwn(codec.props, key) ? codec.props[key] : undefined;
    if (prop === undefined) {
      problems.push(problem(keyPath(path, key), unknownKeyMessage(key, known)));
      continue;
    }
    const v = own(raw, key);
    if (v === undefined || v === null) continue;
    const decoded = prop.decode(v);
    if (E.isRight(decoded)) value[key] = decoded.right;
    else problems.push(...report(decoded.left, keyPath(path, key)));
  }
  for (const key of required) {
    const v = own(raw, key);
    if (v === undefined || v === null) problems.push(problem(keyPath(path, key), `missing, expected ${codec.props[key]?.name}`));
  }
  // Each property went through its own codec, so the record has the codec's type.
  return { problems, value: value as t.TypeOf<t.PartialType<P>> };
};
