/** Structured logs: one JSON object a line, with a component name. Never pass secrets. */
import { stdout } from './stream-writer';

export type Severity = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

const rank: Record<Severity, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const parseSeverity = (s: string | undefined): Severity =>
  s !== undefined && s in rank ? (s as Severity) : 'info';

export const createLogger = (
  options: { readonly component?: string; readonly level?: Severity; readonly write?: (line: string) => void } = {},
): Logger => {
  // The default destination survives its reader going away (see stream-writer).
  const write = options.write ?? stdout().write;
  const min = rank[options.level ?? 'info'];
  const make = (component: string): Logger => {
    const emit = (level: Severity) => (msg: string, fields: Record<string, unknown> = {}) => {
      if (rank[level] < min) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields })}\n`);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (name) => make(name),
    };
  };
  return make(options.component ?? 'main');
};
