import { Subject } from 'rxjs';
import type { ErrorMessage } from '../../core/errors';
import type { Ignored } from '../../core/requests';
import { countBursts, rateLimit } from '../../streams/log-limits';
import type { Logger } from './logger';

/** Rejected requests logged in full per minute; the rest are counted. */
export const REJECTED_IN_FULL_PER_MINUTE = 5;
const MINUTE_MS = 60_000;
/** Retained requests come in one burst after subscribing: it is over once this long passes without one. */
const RETAINED_QUIET_MS = 1_000;

/**
 * The log of requests, bounded: a flood of bad requests (268 bytes of log
 * each, on an SD card) gives the first few per minute in full and then one
 * line with a count; retained requests give one line per burst with a count
 * per kind. Every rejected request is still answered on the error topic:
 * this only shapes the log.
 */
export const limitedLogs = (log: Logger, errorTopic: string) => {
  const rejected$ = new Subject<ErrorMessage>();
  const retained$ = new Subject<Ignored>();
  rejected$.pipe(rateLimit(REJECTED_IN_FULL_PER_MINUTE, MINUTE_MS)).subscribe((l) => {
    if (l._tag === 'Each') log.info('request rejected', { ...l.value });
    else
      log.info(`${l.count} more rejected requests in the last minute, not logged (the first ${REJECTED_IN_FULL_PER_MINUTE} of a minute are); each was answered on ${errorTopic}`, {
        count: l.count,
      });
  });
  retained$.pipe(countBursts(RETAINED_QUIET_MS, (i: Ignored) => i.retained ?? 'other')).subscribe((counts) => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    log.warn(
      `${total} retained request${total === 1 ? '' : 's'} ignored: the broker delivered stored requests, not live ones (set mqtt.acceptRetainedRequests: true to answer them, or clear them with an empty retained message)`,
      { count: total, byKind: counts },
    );
  });
  return {
    rejected$,
    retained$,
    /** Completes both, which logs any count still held back. */
    stop: () => {
      rejected$.complete();
      retained$.complete();
    },
  };
};
