import * as E from 'fp-ts/Either';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Config } from '../core/model';
import { decodeConfig, type ConfigEnv, type Problems } from '../core/config';
import { invalidUtf8At, messageOf, readSmallFile } from './file-read';
import { flowNestingBeyond } from './nesting';
import { checkTlsFiles } from './tls-files';

/** `pins: [{pin: 5}]` is two levels; 64 leaves room for any config and keeps the parser fast. */
const MAX_FLOW_NESTING = 64;

/** A config is a few hundred bytes; a cap keeps a hostile or mistaken file (a log, an image) from costing time and memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a YAML config file and decodes it. The only config code that does
 * I/O: problems with the file itself (unreadable, not a regular file, too
 * large, not UTF-8, not YAML) carry the file name, and YAML errors its line
 * and column, `config.yaml:3:5: ...`, which editors and terminals turn into
 * a link. The TLS files it names are read here too, so a missing one is a
 * config problem like any other, found before a pin is touched.
 */
export const loadConfigFile = (path: string, env: ConfigEnv): E.Either<Problems, Config> =>
  E.flatMap(parseYaml(path), (raw) => {
    const decoded = decodeConfig(raw, env);
    const tls = checkTlsFiles(raw);
    if (tls.length === 0) return decoded;
    return E.left([...(E.isLeft(decoded) ? decoded.left : []), ...tls]);
  });

const parseYaml = (path: string): E.Either<Problems, unknown> => {
  const read = readSmallFile(path, MAX_CONFIG_BYTES);
  if (E.isLeft(read)) return E.left([`${path}: ${read.left}`]);
  const bytes = read.right;
  const bad = invalidUtf8At(bytes);
  if (bad !== undefined) {
    const line = bytes.subarray(0, bad).toString('latin1').split('\n').length;
    return E.left([`${path}:${line}: not valid UTF-8 (byte ${bad}): save the file as UTF-8`]);
  }
  const text = bytes.toString('utf8');
  const deep = flowNestingBeyond(text, MAX_FLOW_NESTING);
  if (deep !== undefined) {
    const line = text.slice(0, deep).split('\n').length;
    return E.left([`${path}:${line}: YAML nested more than ${MAX_FLOW_NESTING} levels deep in [ ] or { }: a config needs two or three`]);
  }
  const lineCounter = new LineCounter();
  const at = (pos: number): string => {
    const { line, col } = lineCounter.linePos(pos);
    return `${path}:${line}:${col}`;
  };
  try {
    // prettyErrors would put the position and a source excerpt into the message: we print our own.
    // logLevel 'error' keeps the yaml package from writing warnings to the console behind the logger's back.
    // uniqueKeys: the package compares every key with every other (30,000 keys: 6 s); duplicateKeys does it in one pass.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error', uniqueKeys: false });
    if (doc.errors.length > 0) {
      return E.left(
        doc.errors.map((err) => {
          // The library's own wording here points at its API; the user needs to know what to change.
          const message = err.code === 'MULTIPLE_DOCS' ? 'a config is one YAML document: remove the second ---' : err.message;
          return `${at(err.pos[0])}: YAML syntax error: ${message.replace(/\s*\n\s*/g, ' ')}`;
        }),
      );
    }
    const duplicates = duplicateKeys(doc.contents);
    if (duplicates.length > 0) return E.left(duplicates.map((pos) => `${at(pos)}: YAML syntax error: Map keys must be unique`));
    // An empty file (or only comments) is an empty mapping: every key has a default or a clear "missing".
    return E.right(doc.toJS() ?? {});
  } catch (e) {
    // toJS refuses, for one, alias bombs (too many aliases); deep nesting overflows the parser's stack: still the file's fault.
    const message = e instanceof RangeError || /call stack/i.test(messageOf(e)) ? 'nested too deeply' : messageOf(e);
    return E.left([`${path}: YAML error: ${message}`]);
  }
};

/**
 * Where a key repeats one before it in the same mapping, in one pass over
 * each mapping. Scalar keys only: a config has no other kind, and a
 * mapping as a key is already refused by the decoder as an unknown key.
 */
const duplicateKeys = (root: unknown): ReadonlyArray<number> => {
  const found: number[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const value = key.value;
          if (seen.has(value)) found.push(key.range?.[0] ?? 0);
          seen.add(value);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return found.sort((a, b) => a - b);
};
