import * as E from 'fp-ts/Either';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { Config } from '../core/model';
import { decodeConfig, type ConfigEnv, type Problems } from '../core/config';
import { show } from '../core/config/problems';
import { invalidUtf8At, messageOf, readSmallFile } from './file-read';
import { flowNestingBeyond } from './nesting';
import { readTlsFiles, type TlsFiles } from './tls-files';
import { linesOf, yamlMistakes } from './yaml-mistakes';

/** `pins: [{pin: 5}]` is two levels; 64 leaves room for any config and keeps the parser fast. */
const MAX_FLOW_NESTING = 64;

/** A config is a few hundred bytes; a cap keeps a hostile or mistaken file (a log, an image) from costing time and memory. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a YAML config file and decodes it. The only config code that does
 * I/O: problems with the file itself (unreadable, not a regular file, too
 * large, not UTF-8, not YAML) carry the file name, and YAML mistakes the
 * line they start on, `config.yaml:3: ...`, which editors and terminals turn
 * into a link. The TLS files it names are read here too, so a missing one is a
 * config problem like any other, found before a pin is touched.
 */
export const loadConfigFile = (path: string, env: ConfigEnv): E.Either<Problems, Config> => E.map((l: ServiceConfig) => l.config)(loadServiceConfig(path, env));

/** What the service starts from: the decoded config and the contents of the TLS files it names. */
export interface ServiceConfig {
  readonly config: Config;
  readonly tls: TlsFiles;
}

/** {@link loadConfigFile}, with the TLS files' contents as read while checking them: the client needs no second read. */
export const loadServiceConfig = (path: string, env: ConfigEnv): E.Either<Problems, ServiceConfig> =>
  E.flatMap(parseYaml(path), (raw) => {
    const decoded = decodeConfig(raw, env);
    const tls = readTlsFiles(raw);
    if (tls.problems.length === 0) return E.map((config: Config): ServiceConfig => ({ config, tls: tls.files }))(decoded);
    return E.left([...(E.isLeft(decoded) ? decoded.left : []), ...tls.problems]);
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
  return parseConfigText(path, bytes.toString('utf8'));
};

/**
 * Parses a config's text, no I/O: the value to decode, or one problem line
 * per YAML mistake, `<file>:<line>: <what is wrong>[: <what to do>]`, at the
 * line where the mistake starts (see yaml-mistakes).
 */
export const parseConfigText = (path: string, text: string): E.Either<Problems, unknown> => {
  const deep = flowNestingBeyond(text, MAX_FLOW_NESTING);
  if (deep !== undefined) {
    const line = text.slice(0, deep).split('\n').length;
    return E.left([`${path}:${line}: YAML nested more than ${MAX_FLOW_NESTING} levels deep in [ ] or { }: a config needs two or three`]);
  }
  const lines = linesOf(text);
  try {
    // prettyErrors would put the position and a source excerpt into the message: we print our own.
    // logLevel 'error' keeps the yaml package from writing warnings to the console behind the logger's back.
    // uniqueKeys: the package compares every key with every other (30,000 keys: 6 s); duplicateKeys does it in one pass.
    const doc = parseDocument(text, { prettyErrors: false, logLevel: 'error', uniqueKeys: false });
    const mistakes = yamlMistakes(doc, lines);
    if (mistakes.length > 0) return E.left(mistakes.map(({ line, message }) => `${path}:${line}: ${message}`));
    const duplicates = duplicateKeys(doc.contents);
    if (duplicates.length > 0) {
      const line = (pos: number): number => lines.at(pos).line;
      return E.left(duplicates.map(({ key, pos, first }) => `${path}:${line(pos)}: ${key} is given twice (first on line ${line(first)}): keep one`));
    }
    // An empty file (or only comments) is an empty mapping: every key has a default or a clear "missing".
    return E.right(doc.toJS() ?? {});
  } catch (e) {
    // toJS refuses, for one, alias bombs (too many aliases); deep nesting overflows the parser's stack: still the file's fault.
    const message = e instanceof RangeError || /call stack/i.test(messageOf(e)) ? 'nested too deeply' : messageOf(e);
    return E.left([`${path}: YAML error: ${message}`]);
  }
};

/** A key that repeats one before it in the same mapping, at `pos`; `first` is where it was first given. */
interface Duplicate {
  readonly key: string;
  readonly pos: number;
  readonly first: number;
}

/**
 * Where a key repeats one before it in the same mapping, in one pass over
 * each mapping. Scalar keys only: a config has no other kind, and a
 * mapping as a key is already refused by the decoder as an unknown key.
 */
const duplicateKeys = (root: unknown): ReadonlyArray<Duplicate> => {
  const found: Duplicate[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Map<unknown, number>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const value = key.value;
          const pos = key.range?.[0] ?? 0;
          const first = seen.get(value);
          if (first !== undefined) found.push({ key: typeof value === 'string' && /^[\w-]+$/.test(value) ? value : show(value), pos, first });
          else seen.set(value, pos);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return found.sort((a, b) => a.pos - b.pos);
};
