/** Structured logs: one JSON object a line, with a component name. Never pass secrets. */
import * as E from 'fp-ts/Either';
import { stdout } from './stream-writer';

export const SEVERITIES = ['debug', 'info', 'warn', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The logger's own keys, first on every line: a field never takes one of them. */
export const RESERVED_KEYS = ['time', 'level', 'component', 'msg'] as const;
type Reserved = (typeof RESERVED_KEYS)[number];

/**
 * A line's own fields. A reserved key is a type error at the call site
 * (`pinLevel`, not `level`); one that gets through anyway (a spread of
 * something wider) is renamed `field_<key>` by the logger, never written over
 * the logger's own.
 */
export type LogFields = Readonly<Record<string, unknown>> & { readonly [K in Reserved]?: never };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * Whether lines of `level` are written. A hot path asks once, when it is
   * set up, and builds no fields for a line that would be dropped.
   */
  enabled(level: Severity): boolean;
  child(component: string): Logger;
}

const rank: Record<Severity, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * `LOG_LEVEL`: unset or empty is `info`; any case of a severity's name is
 * that severity; anything else is an error that names the allowed values.
 */
export const parseSeverity = (s: string | undefined): E.Either<string, Severity> => {
  if (s === undefined || s.trim() === '') return E.right('info');
  const lower = s.trim().toLowerCase();
  return lower in rank
    ? E.right(lower as Severity)
    : E.left(`LOG_LEVEL=${JSON.stringify(s)} is not a log level: use one of ${SEVERITIES.join(', ')} (default info)`);
};

const RESERVED: ReadonlySet<string> = new Set(RESERVED_KEYS);

/** The line's object: the logger's keys first, then the fields, a reserved key among them renamed. */
const lineOf = (time: string, level: Severity, component: string, msg: string, fields: LogFields | undefined): Record<string, unknown> => {
  // No prototype: a field named __proto__ is a key like any other, not a setter.
  const line: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  line['time'] = time;
  line['level'] = level;
  line['component'] = component;
  line['msg'] = msg;
  if (fields === undefined) return line;
  for (const key of Object.keys(fields)) {
    let name = key;
    // `field_level` stays free for a field of that name, and a renamed key never lands on one.
    while (RESERVED.has(name) || (name !== key && (Object.hasOwn(fields, name) || Object.hasOwn(line, name)))) name = `field_${name}`;
    line[name] = fields[key];
  }
  return line;
};

export const createLogger = (
  options: { readonly component?: string; readonly level?: Severity; readonly write?: (line: string) => void } = {},
): Logger => {
  // The default destination survives its reader going away (see stream-writer).
  const write = options.write ?? stdout().write;
  const min = rank[options.level ?? 'info'];
  const make = (component: string): Logger => {
    const emit = (level: Severity) => (msg: string, fields?: LogFields) => {
      if (rank[level] < min) return;
      write(`${JSON.stringify(lineOf(new Date().toISOString(), level, component, msg, fields))}\n`);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      enabled: (level) => rank[level] >= min,
      child: (name) => make(name),
    };
  };
  return make(options.component ?? 'main');
};
