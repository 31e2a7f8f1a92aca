import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { Order, track, untrack } from './cleanup';

export const ROOT = resolve(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');

/** One stdout line of the service: a JSON object, or `{ raw }` if it was not JSON. */
export type LogLine = Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceOptions {
  /** Added to (or, with `undefined`, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Run with `--config PATH` instead of a file holding `config` (a FIFO, /dev/zero). */
  configPath?: string;
  /** The arguments after the program, instead of `--config FILE` (given the written config file). */
  args?: (configFile: string) => string[];
  /** The working directory; the repository by default. */
  cwd?: string;
  /**
   * Another program than `node dist/main.js` (`npm start --`, `npx
   * rpi-gpio-connector`): `args` follow `command.args`. As a process group
   * leader, so a test can signal the group as a terminal's Ctrl-C does.
   */
  command?: { file: string; args: string[] };
}

/** The built service, run as users run it: `node dist/main.js --config FILE`. */
export class Service {
  readonly logs: LogLine[] = [];
  stderr = '';
  private stdoutRest = '';
  private exit: Exit | undefined;
  private readonly exitWaiters: ((e: Exit) => void)[] = [];
  private readonly logWaiters = new Set<() => void>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly configText: string,
    private readonly group = false,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: string) => (this.stderr += chunk));
    child.on('error', (err) => (this.stderr += `[spawn error] ${String(err)}\n`));
    // 'close', not 'exit': by then stdout and stderr are fully read.
    child.once('close', (code, signal) => {
      if (this.stdoutRest.trim() !== '') this.logs.push(parseLine(this.stdoutRest));
      this.stdoutRest = '';
      this.exit = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w(this.exit);
      for (const w of [...this.logWaiters]) w();
    });
  }

  /** Writes `config` (YAML text, or an object to serialise) to a temp file and spawns the service. */
  static async start(config: string | object, options: ServiceOptions = {}): Promise<Service> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run npm run build first`);
    const dir = await mkdtemp(join(tmpdir(), 'gpio-service-'));
    const text = typeof config === 'string' ? config : stringify(config);
    const file = join(dir, 'config.yaml');
    await writeFile(file, text);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const args = options.args?.(file) ?? ['--config', options.configPath ?? file];
    const child = spawn(options.command?.file ?? process.execPath, [...(options.command?.args ?? [MAIN]), ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.command !== undefined,
    });
    const service = new Service(child, dir, text, options.command !== undefined);
    track(service, Order.Service, () => service.dispose());
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): Exit | undefined {
    return this.exit;
  }

  /** The first log line (already printed or still to come) matching `pred`. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        const found = this.logs.find(pred);
        if (found !== undefined) {
          done();
          resolvePromise(found);
        } else if (this.exit !== undefined) {
          done();
          reject(new Error(`service exited (${JSON.stringify(this.exit)}) before the expected log line; ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`expected log line not seen within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.logWaiters.delete(check);
      };
      this.logWaiters.add(check);
      check();
    });
  }

  /** Waits until stderr matches `re`. */
  async waitForLogOnStderr(re: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.stderr)) {
      if (Date.now() > deadline) throw new Error(`stderr did not match ${re} within ${timeoutMs} ms; ${this.describe()}`);
      if (this.exit !== undefined) throw new Error(`service exited (${JSON.stringify(this.exit)}) before stderr matched ${re}; ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The `ready` log line: the service is connected and subscribed. */
  ready(timeoutMs = 15_000): Promise<LogLine> {
    return this.waitForLog((l) => l['msg'] === 'ready', timeoutMs);
  }

  waitForExit(timeoutMs = 10_000): Promise<Exit> {
    if (this.exit !== undefined) return Promise.resolve(this.exit);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`service still running after ${timeoutMs} ms; ${this.describe()}`)),
        timeoutMs,
      );
      this.exitWaiters.push((e) => {
        clearTimeout(timer);
        resolvePromise(e);
      });
    });
  }

  /**
   * Closes our end of the service's stdout, as a log reader that goes away
   * does (`| head`, a restarted log shipper): its next log line meets EPIPE.
   * Later lines are lost to the test; `logs` keeps what came before.
   */
  closeStdout(): void {
    this.child.stdout?.destroy();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  /** Signals the process group (started with `command` only), as a terminal's Ctrl-C does. */
  killGroup(signal: NodeJS.Signals): void {
    if (this.exit === undefined && this.child.pid !== undefined) process.kill(-this.child.pid, signal);
  }

  /** Stdout and stderr so far, for failure messages. */
  describe(): string {
    const out = this.logs.map((l) => JSON.stringify(l)).join('\n');
    return `stdout:\n${out || '(empty)'}\nstderr:\n${this.stderr || '(empty)'}`;
  }

  private async dispose(): Promise<void> {
    untrack(this);
    if (this.group && this.child.pid !== undefined) {
      // npm and whatever it started, a service it left behind included.
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    if (this.exit === undefined) {
      this.child.kill('SIGKILL');
      await this.waitForExit(10_000);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private onStdout(chunk: string): void {
    const lines = (this.stdoutRest + chunk).split('\n');
    this.stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.logs.push(parseLine(line));
    }
    for (const w of [...this.logWaiters]) w();
  }
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as LogLine;
  } catch {
    // not JSON: kept raw so a test can report it
  }
  return { raw: line };
}
