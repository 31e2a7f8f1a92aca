/** How often a service started by npm looks for its parent: it stops within this much of npm going. */
export const PARENT_CHECK_MS = 1_000;

/**
 * Calls `onGone` once the process that started this one has gone, when npm
 * started it (`npm start`, `npx rpi-gpio-connector`, an npm script: npm puts
 * `npm_lifecycle_event` in the environment).
 *
 * npm passes SIGINT and SIGTERM on to its child, but under npx and most
 * scripts that child is `sh -c`, and Debian's sh (dash) dies of the signal
 * without passing it on: the service was left running, re-parented, holding
 * its port. A process re-parented is one whose starter is gone, so it stops
 * as if it had had the signal. Outside npm (systemd, a shell, `nohup`) the
 * parent is not watched: a service run with `nohup ... &` outlives its shell
 * on purpose.
 */
export const watchParent = (env: NodeJS.ProcessEnv, onGone: () => void, periodMs = PARENT_CHECK_MS): void => {
  if (env['npm_lifecycle_event'] === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, periodMs);
  timer.unref();
};
