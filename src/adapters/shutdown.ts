import type { Logger } from './log/logger';

/** systemd and npm allow 2 s from SIGTERM to exit; this leaves room for the process to exit after the steps. */
export const SHUTDOWN_BUDGET_MS = 1500;
/** How long the answers and states in flight get to reach the broker before the pins and the connection close. */
export const DRAIN_MS = 800;

export interface Shutdown {
  /** True from the first call to `stop` on: a connection lost after it is the service leaving, not a failure. */
  readonly stopping: () => boolean;
  /** Runs the steps, once: later calls (a second SIGINT from npm) wait for nothing and change nothing. */
  readonly stop: (reason: string, code?: number) => Promise<void>;
}

/**
 * The service's way out: one run of `steps` with the exit code of the first
 * reason, logged; past `budgetMs` the process exits with that code whatever
 * the steps are waiting for (a broker that does not answer the DISCONNECT).
 * The steps end the process themselves when they finish in time.
 */
export const shutdownOnce = (
  steps: (code: number) => Promise<void>,
  deps: { readonly log: Logger; readonly exit: (code: number) => void; readonly budgetMs?: number },
): Shutdown => {
  let stopping = false;
  return {
    stopping: () => stopping,
    stop: async (reason, code = 0) => {
      if (stopping) return;
      stopping = true;
      deps.log.info('shutting down', { reason });
      const force = setTimeout(() => {
        deps.log.warn('shutdown took too long: forcing exit');
        deps.exit(code);
      }, deps.budgetMs ?? SHUTDOWN_BUDGET_MS);
      force.unref();
      await steps(code);
    },
  };
};

/** `promise`, or undefined after `ms` if it has not settled by then (an absent promise is settled). */
export const within = <T>(promise: Promise<T> | undefined, ms: number): Promise<T | undefined> =>
  promise === undefined
    ? Promise.resolve(undefined)
    : Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);
