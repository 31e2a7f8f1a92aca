import * as E from 'fp-ts/Either';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { Config } from '../core/model';
import { decodeConfig, type ConfigEnv, type Problems } from '../core/config';

/**
 * Reads a YAML config file and decodes it. The only config code that does
 * I/O: problems with the file itself (unreadable, not YAML) carry the file
 * name, and YAML errors its line and column, `config.yaml:3:5: ...`, which
 * editors and terminals turn into a link. Everything else is the pure decoder's.
 */
export const loadConfigFile = (path: string, env: ConfigEnv): E.Either<Problems, Config> =>
  E.flatMap(parseYaml(path), (raw) => decodeConfig(raw, env));

const parseYaml = (path: string): E.Either<Problems, unknown> => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return E.left([`${path}: cannot read file: ${messageOf(e)}`]);
  }
  const lineCounter = new LineCounter();
  // prettyErrors would put the position and a source excerpt into the message: we print our own.
  // logLevel 'error' keeps the yaml package from writing warnings to the console behind the logger's back.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    return E.left(
      doc.errors.map((err) => {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        // The library's own wording here points at its API; the user needs to know what to change.
        const message = err.code === 'MULTIPLE_DOCS' ? 'a config is one YAML document: remove the second ---' : err.message;
        return `${path}:${line}:${col}: YAML syntax error: ${message.replace(/\s*\n\s*/g, ' ')}`;
      }),
    );
  }
  try {
    // An empty file (or only comments) is an empty mapping: every key has a default or a clear "missing".
    return E.right(doc.toJS() ?? {});
  } catch (e) {
    // toJS refuses, for one, alias bombs (too many aliases): still the file's fault.
    return E.left([`${path}: YAML error: ${messageOf(e)}`]);
  }
};

// Duck-typed: errors from Node's fs may come from another realm (jest, vm), where instanceof fails.
const messageOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string' ? e.message : String(e);
