/**
 * What the metrics count, decided here as plain functions: which output
 * answers which kind of request and how, which error kind a rejection is,
 * which kind of topic a publish went to, and whether the service is healthy.
 * The metrics adapter (src/adapters/metrics) only adds up what these say.
 *
 * Every function returns one of a few constant strings, so counting a message
 * allocates nothing.
 */
import { ErrorKind } from './errors';
import type { Output } from './outputs';
import type { RequestKind } from './topics';

/** The request kinds, by the topic's last level (`read_all`: `gpio/<thing>/read`, no pin); `other` for a topic that names none. */
export const REQUEST_KINDS = ['read', 'read_all', 'write', 'pulse', 'simulate', 'other'] as const;
export type RequestKindLabel = RequestKind | 'read_all' | 'other';

/**
 * How a request ended: `ok`, answered with a state (or, for a simulate, the
 * line set); `rejected`, answered on the error topic; `ignored`, only logged
 * (a retained request).
 */
export const OUTCOMES = ['ok', 'rejected', 'ignored'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** `gpio/<thing>/read`: the thing's slash is the one after `gpio/`. */
const readsAll = (topic: string): boolean => topic.startsWith('gpio/') && topic.lastIndexOf('/', topic.length - 6) === 4;

/** A request topic's kind, without splitting it: `gpio/<thing>/<pin>/<kind>`, or `gpio/<thing>/read`. */
export const requestKind = (topic: string): RequestKindLabel =>
  topic.endsWith('/read')
    ? readsAll(topic)
      ? 'read_all'
      : 'read'
    : topic.endsWith('/write')
      ? 'write'
      : topic.endsWith('/pulse')
        ? 'pulse'
        : topic.endsWith('/simulate')
          ? 'simulate'
          : 'other';

/**
 * Whether an output answers a request, and how; undefined for the rest (a
 * level the inputs or a resync published, an event, a count, a failure seen
 * by a poll, a pulse's switch-back). An answer to an MQTT request carries its
 * `reply`; the outputs that never carry one (Ignored, Simulated) only ever
 * come from a request.
 */
export const outcomeOf = (o: Output): Outcome | undefined => {
  switch (o._tag) {
    case 'State':
    case 'Snapshot':
      return o.reply === undefined ? undefined : 'ok';
    case 'Rejected':
      return o.reply === undefined ? undefined : 'rejected';
    case 'Simulated':
      return 'ok';
    case 'Ignored':
      return 'ignored';
    default:
      return undefined;
  }
};

/**
 * The kind of request an answer is for: `asked` when the caller knows it (the
 * kind seen when the request came in), else what the answer itself tells. A
 * state answer tells nothing (a read, a write and a pulse all answer with one).
 */
export const answerKind = (o: Output, asked: RequestKindLabel | undefined): RequestKindLabel => {
  if (asked !== undefined) return asked;
  switch (o._tag) {
    case 'Simulated':
      return 'simulate';
    case 'Ignored': {
      // A retained read of all pins is ignored as a retained read: its topic tells them apart.
      const kind = requestKind(o.topic);
      return kind === 'read_all' ? kind : (o.retained ?? kind);
    }
    case 'Rejected':
      return requestKind(o.error.topic);
    default:
      return 'other';
  }
};

/** The error kinds as label values: the error topic's `error` strings, in snake case. */
export const ERROR_LABELS = {
  [ErrorKind.invalidOperation]: 'invalid_operation',
  [ErrorKind.unconfigured]: 'unconfigured',
  [ErrorKind.invalidNumber]: 'invalid_number',
  [ErrorKind.invalidPayload]: 'invalid_payload',
  [ErrorKind.driverFailure]: 'driver_failure',
  [ErrorKind.queuedWrite]: 'queued_write_refused',
  [ErrorKind.eventsLost]: 'edge_events_lost',
  [ErrorKind.failsafe]: 'failsafe_level_set',
} as const;
export type ErrorLabel = (typeof ERROR_LABELS)[keyof typeof ERROR_LABELS] | 'other';
export const ERROR_KINDS: ReadonlyArray<ErrorLabel> = [...Object.values(ERROR_LABELS), 'other'];

/** An error message's kind, by its `error` string. */
export const errorLabel = (error: string): ErrorLabel =>
  Object.hasOwn(ERROR_LABELS, error) ? ERROR_LABELS[error as keyof typeof ERROR_LABELS] : 'other';

/** The topics the service publishes to, by kind; `other` is an MQTT 5 response topic (or anything new). */
export const PUBLISH_KINDS = ['state', 'event', 'count', 'pins', 'error', 'status', 'other'] as const;
export type PublishKind = (typeof PUBLISH_KINDS)[number];

/** A published topic's kind; `prefix` is `gpio/<thing>/`. */
export const publishKind = (topic: string, prefix: string): PublishKind => {
  if (!topic.startsWith(prefix)) return 'other';
  if (topic.endsWith('/state')) return 'state';
  if (topic.endsWith('/event')) return 'event';
  if (topic.endsWith('/count')) return 'count';
  if (topic.length === prefix.length + 5 && topic.endsWith('error')) return 'error';
  if (topic.length === prefix.length + 6 && topic.endsWith('status')) return 'status';
  if (topic.length === prefix.length + 4 && topic.endsWith('pins')) return 'pins';
  return 'other';
};

/** What `/health` looks at. */
export interface HealthFacts {
  readonly connected: boolean;
  /** When the connection was lost; undefined if it never was (never made, or still up). */
  readonly lostAt?: number;
  /** When the service started: before the first connection, "since" counts from here. */
  readonly startedAt: number;
  readonly driverOpen: boolean;
  /** The broker URL without credentials. */
  readonly broker: string;
}

export type Health = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const since = (at: number, now: number): string => `since ${new Date(at).toISOString()} (${Math.round((now - at) / 1000)} s)`;

/**
 * Healthy when the broker connection is up and the GPIO driver is open;
 * otherwise one line that says what is wrong, and since when.
 */
export const healthOf = (f: HealthFacts, now: number): Health => {
  const wrong: string[] = [];
  if (!f.driverOpen) wrong.push('the GPIO driver is closed (the service is stopping)');
  if (!f.connected) {
    wrong.push(
      f.lostAt === undefined
        ? `not connected to the broker ${f.broker} yet, ${since(f.startedAt, now)}`
        : `broker connection to ${f.broker} lost ${since(f.lostAt, now)}`,
    );
  }
  return wrong.length === 0 ? { ok: true } : { ok: false, reason: wrong.join('; ') };
};
