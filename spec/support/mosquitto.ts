import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Order, sleep, track, untrack } from './cleanup';
import { freePort } from './ports';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

/** The mosquitto binary, or a clear failure saying how to get it. */
export function mosquittoBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new Error('mosquitto not found: apt-get install mosquitto');
  return found;
}

export interface MosquittoOptions {
  /**
   * Keep sessions across `restart()` (a persistence file in the temp dir,
   * saved when mosquitto exits on SIGTERM). Lets a test client with
   * `clean: false` miss nothing while the broker is down.
   */
  persistence?: boolean;
  /**
   * Lines for the main listener (TLS files, `password_file`, `allow_anonymous
   * false`, ...), written right after its `listener` line; `reconfigure` changes
   * them for the next `restart()`. Without `allow_anonymous` anonymous clients are allowed.
   */
  settings?: string[];
  /** More lines at the end: another listener, say (`listener <port>` then `protocol websockets`). */
  extra?: string[];
}

/** A real Mosquitto on a free loopback port, with its own temp config. */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private options: MosquittoOptions,
  ) {}

  /** Settings for the next `restart()` (a broker restarted with a new password file, say). */
  reconfigure(settings: string[]): void {
    this.options = { ...this.options, settings };
  }

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const binary = mosquittoBinary();
    const dir = await mkdtemp(join(tmpdir(), 'gpio-mosquitto-'));
    // A port picked by freePort can be taken before mosquitto binds: retry with another.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const broker = new Mosquitto(await freePort(), dir, options);
      track(broker, Order.Broker, () => broker.dispose());
      try {
        await broker.launch(binary, 5_000);
        return broker;
      } catch (err) {
        lastError = err;
        await broker.stop();
        untrack(broker);
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start: ${String(lastError)}`);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Everything mosquitto printed so far (its log goes to stderr). */
  get log(): string {
    return this.output;
  }

  /** Waits until mosquitto's log matches `re` (its log is the only window on who connected). */
  async waitForLog(re: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (Date.now() > deadline) throw new Error(`mosquitto log did not match ${re} within ${timeoutMs} ms:\n${this.output}`);
      await sleep(50);
    }
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** SIGTERM and wait for the process to exit (SIGKILL after 5 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killer);
  }

  /**
   * Kills mosquitto with `signal` (SIGKILL: it closes nothing itself, the
   * kernel drops its sockets) and waits for it to exit; `restart()` starts it
   * again. Resolves to the clocks read just before the signal was sent.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ wallMs: number; monotonicNs: bigint }> {
    const child = this.child;
    if (child === undefined) throw new Error('mosquitto is not running');
    const at = { wallMs: Date.now(), monotonicNs: process.hrtime.bigint() };
    child.kill(signal);
    await this.exited;
    return at;
  }

  /** Stop, then start again on the same port; retries the bind for a few seconds. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch(mosquittoBinary(), 8_000);
  }

  private async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeConfig(): Promise<string> {
    const settings = this.options.settings ?? [];
    const lines = [`listener ${this.port} 127.0.0.1`, ...settings];
    if (!settings.some((l) => l.startsWith('allow_anonymous'))) lines.push('allow_anonymous true');
    if (this.options.persistence === true) {
      lines.push('persistence true', `persistence_location ${this.dir}/`);
    } else {
      lines.push('persistence false');
    }
    // As root mosquitto drops to the "mosquitto" user, which cannot write the
    // private temp dir; staying root keeps the persistence file writable.
    if (process.getuid?.() === 0) lines.push(`user ${userInfo().username}`);
    lines.push(...(this.options.extra ?? []));
    const file = join(this.dir, 'mosquitto.conf');
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  }

  private async launch(binary: string, bindTimeoutMs: number): Promise<void> {
    const config = await this.writeConfig();
    const deadline = Date.now() + bindTimeoutMs;
    for (;;) {
      const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      let alive = true;
      this.exited = new Promise((resolve) => {
        child.once('exit', () => {
          alive = false;
          if (this.child === child) this.child = undefined;
          resolve();
        });
      });
      child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
      while (alive && Date.now() < deadline) {
        if (await accepts(this.port)) return;
        await sleep(50);
      }
      await this.stop();
      // Exited early: most likely the port is still held (restart) or was taken.
      if (Date.now() >= deadline) {
        throw new Error(`mosquitto did not accept connections on port ${this.port}; its log:\n${this.output}`);
      }
      await sleep(200);
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
