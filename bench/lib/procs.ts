/**
 * Child processes of the benchmarks: the service, the echo client, one-shot
 * measurement children. Each registers with spec/support/cleanup, so
 * `cleanupAll()` (run at the end, on an error and on SIGINT/SIGTERM) stops
 * whatever is still running; nothing outlives the harness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { cleanupAll, Order, track, untrack } from '../../spec/support/cleanup';
import { GpiodStandin } from '../../spec/support/gpiod-standin';

export const ROOT = resolve(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');
export const LIB = __dirname;

export { cleanupAll };

export interface Child {
  readonly pid: number;
  /** performance.now() just before spawn(). */
  readonly spawnedAt: number;
  readonly process: ChildProcess;
  /** Everything on stderr so far, for error messages. */
  stderr(): string;
  /** Resolves with the first stdout line matching `pred` and the time it arrived (performance.now()). */
  line(pred: (line: string) => boolean, timeoutMs?: number): Promise<{ line: string; at: number }>;
  /** Calls `f` with every stdout line from now on. */
  onLine(f: (line: string, at: number) => void): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Spawns `node ...args` (or `command ...args`) in the repo, stdout read line by line. As a user's
 * unit or shell runs it, not as `npm run bench` is run: npm's variables are
 * left out (with `npm_lifecycle_event` the service would watch its parent
 * once a second, src/adapters/parent-watch.ts, which the idle figures would
 * count as its own).
 */
export const spawnNode = (args: string[], env: Record<string, string | undefined> = {}, label = args.join(' '), command = process.execPath): Child => {
  const fullEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  const spawnedAt = performance.now();
  const proc = spawn(command, args, { cwd: ROOT, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const waiters = new Set<(line: string, at: number) => void>();
  const listeners: Array<(line: string, at: number) => void> = [];
  const seen: Array<{ line: string; at: number }> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const at = performance.now();
    seen.push({ line, at });
    if (seen.length > 1000) seen.shift();
    for (const w of [...waiters]) w(line, at);
    for (const l of listeners) l(line, at);
  });
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    proc.once('error', (e) => {
      stderr += `[spawn error] ${String(e)}\n`;
    });
    proc.once('close', (code, signal) => {
      hasExited = true;
      untrack(handle);
      done({ code, signal });
    });
  });
  const handle: Child = {
    pid: proc.pid ?? -1,
    spawnedAt,
    process: proc,
    stderr: () => stderr,
    line: (pred, timeoutMs = 15_000) =>
      new Promise((ok, fail) => {
        const found = seen.find((s) => pred(s.line));
        if (found !== undefined) return ok(found);
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`${label}: expected line not seen within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const check = (line: string, at: number) => {
          if (!pred(line)) return;
          clearTimeout(timer);
          waiters.delete(check);
          ok({ line, at });
        };
        waiters.add(check);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(check)) return;
          clearTimeout(timer);
          waiters.delete(check);
          fail(new Error(`${label}: exited (code ${code}, signal ${signal}) before the expected line; stderr:\n${stderr}`));
        });
      }),
    onLine: (f) => void listeners.push(f),
    exited,
    stop: async (signal = 'SIGTERM', graceMs = 5_000) => {
      untrack(handle);
      if (hasExited) return;
      proc.kill(signal);
      const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
  track(handle, Order.Service, () => handle.stop());
  return handle;
};

export interface ServiceHandle extends Child {
  readonly configFile: string;
}

/**
 * `node [nodeArgs] dist/main.js --config FILE` with `config` written to a temp file (removed on stop);
 * `main`: another build's main.js (the baseline's).
 */
export const startService = (config: object, env: Record<string, string | undefined> = {}, nodeArgs: string[] = [], main = MAIN): ServiceHandle => {
  if (!existsSync(main)) throw new Error(`${main} does not exist: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'gpio-bench-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawnNode([...nodeArgs, main, '--config', configFile], env, main === MAIN ? 'service' : `service ${main}`);
  const stop = child.stop;
  const service: ServiceHandle = {
    ...child,
    configFile,
    stop: async (signal, graceMs) => {
      await stop(signal, graceMs);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  untrack(child);
  track(service, Order.Service, () => service.stop());
  return service;
};

/** A stand-in libgpiod with a Raspberry Pi 4's header chip (gpiochip0, pinctrl-bcm2711); removed by cleanupAll if need be. */
export const createStandin = async (): Promise<GpiodStandin> => {
  const s = await GpiodStandin.create([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }]);
  track(s, Order.Broker, () => s.dispose());
  return s;
};

export const disposeStandin = async (s: GpiodStandin): Promise<void> => {
  untrack(s);
  await s.dispose();
};

/** The `ready` log line (needs LOG_LEVEL info or lower). */
export const isReadyLine = (line: string): boolean => line.includes('"msg":"ready"');

/** Resident memory of a process in kB (VmRSS), or NaN once it has gone. */
export const rssKb = (pid: number): number => statusKb(pid, 'VmRSS');
/** Peak resident memory in kB (VmHWM). */
export const peakRssKb = (pid: number): number => statusKb(pid, 'VmHWM');

const statusKb = (pid: number, field: string): number => {
  try {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
};

/**
 * CPU time a process has used, in ns, over all its threads (V8's GC helpers
 * and libuv's pool included): the sum of /proc/<pid>/task/<tid>/schedstat,
 * or utime + stime from /proc/<pid>/stat (10 ms resolution) without it.
 * Threads that ended meanwhile are missed; Node's threads live as long as the process.
 */
export const cpuNs = (pid: number): number => {
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between readdir and read
      }
    }
    if (sum > 0) return sum;
  } catch {
    // no schedstat: fall back below
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 1e7; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
};

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Stops everything on SIGINT/SIGTERM, an uncaught exception or an unhandled
 * rejection, and exits; returns a function that removes the handlers again.
 */
export const stopEverythingOnAbort = (): (() => void) => {
  const bail = (why: string, code: number) => {
    process.stderr.write(`\n${why}: stopping every process the benchmarks started...\n`);
    cleanupAll()
      .catch((e: unknown) => process.stderr.write(`${String(e)}\n`))
      .finally(() => process.exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => bail(signal, 130);
  const onError = (e: unknown) => bail(`uncaught: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
};
