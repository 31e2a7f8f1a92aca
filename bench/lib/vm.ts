/** Running a measurement in the hardware suite's VM (scripts/vm/run.sh) from a figure. */
import { spawn } from 'node:child_process';
import type { Context } from './bench';
import { ROOT } from './procs';

/**
 * Runs `command` and gathers its stdout; its stdout lines starting with one of
 * `progress` and every stderr line go to the progress log. `env`: added to this process's environment.
 */
export const runLogged = (
  command: string,
  args: string[],
  ctx: Context,
  progress: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      for (const line of d.split('\n')) if (progress.some((p) => line.startsWith(p))) ctx.log(line);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => ctx.log(l)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
