import * as t from 'io-ts';
import { indexPath, keyPath, problem, show, type Problems } from './problems';

/**
 * One line per problem, `<path>: <message>`, from io-ts validation errors.
 *
 * io-ts's PathReporter prints every union member it tried and the full type
 * of each; people want the path they wrote and what was wrong with it.
 * Intersection members add a context entry keyed `0`, `1`...: skipped, the
 * value is the same one. A failed union is reported once, at the union, as
 * "expected <union name>", since which member came closest is a guess.
 */
export const report = (errors: t.Errors, prefix: string): Problems =>
  dedupe(errors.map((e) => line(e, prefix)));

const line = (error: t.ValidationError, prefix: string): string => {
  let path = prefix;
  let type = error.context[0]?.type;
  let actual: unknown = error.value;
  let message = error.message;
  // Entry 0 is the root the decode started from: its key is empty.
  for (let i = 1; i < error.context.length; i++) {
    const parent = error.context[i - 1];
    const entry = error.context[i];
    if (parent === undefined || entry === undefined) break;
    if (parent.type instanceof t.UnionType) {
      type = parent.type;
      actual = parent.actual;
      message = undefined;
      break;
    }
    type = entry.type;
    actual = entry.actual;
    if (parent.type instanceof t.IntersectionType) continue;
    path = Array.isArray(parent.actual) ? indexPath(path, entry.key) : keyPath(path, entry.key);
  }
  const name = type?.name ?? 'a valid value';
  return problem(path, message ?? (actual === undefined ? `missing, expected ${name}` : `expected ${name}, got ${show(actual)}`));
};

const dedupe = (lines: ReadonlyArray<string>): Problems => [...new Set(lines)];
