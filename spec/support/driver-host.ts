import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Order, track, untrack } from './cleanup';

const HOST = join(__dirname, 'driver-host-process.js');
/** The built service; RPI_GPIO_DIST points at another build (test:hardware's deliberately broken one). */
const DIST = join(process.env.RPI_GPIO_DIST ?? join(__dirname, '..', '..', 'dist'), 'adapters', 'gpio', 'libgpiod', 'driver.js');

/**
 * A GPIO driver from dist/ running in a child process (see driver-host-process.js):
 * the only way to load node-libgpiod over the stand-in libgpiod.so.2, since
 * the dynamic loader reads LD_LIBRARY_PATH when a process starts.
 */
export class DriverHost {
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const { id, result } = JSON.parse(line) as { id: number; result: unknown };
      this.pending.get(id)?.(result);
      this.pending.delete(id);
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  /** `user`: run the driver as another user (uid and gid), as a service account without the gpio group would. */
  static start(env: Record<string, string>, user?: { uid: number; gid: number }): DriverHost {
    if (!existsSync(DIST)) throw new Error(`${DIST} does not exist: run npm run build first`);
    const child = spawn(process.execPath, ['--expose-gc', HOST], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], ...user });
    const host = new DriverHost(child);
    track(host, Order.Service, () => host.stop());
    return host;
  }

  /**
   * One call, answered within `timeoutMs`: by default 10 s; 60 s in the
   * hardware suite (GPIO_HARDWARE_SUITE), whose VM runs under emulation on a
   * host CI shares with other work, so the child's Node gets a fraction of a
   * slow CPU. A hung call still fails there, within the test's own limit.
   */
  call<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = process.env.GPIO_HARDWARE_SUITE === undefined ? 10_000 : 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`driver host: no answer to ${op} in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        const thrown = (result as { thrown?: string } | null)?.thrown;
        if (thrown !== undefined) reject(new Error(`driver host: ${op} threw: ${thrown}`));
        else resolve(result as T);
      });
      this.child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The process's threads now (the main one, libuv's and V8's, and any reader thread of our addon). */
  threads(): number {
    return readdirSync(`/proc/${this.pid}/task`).length;
  }

  /** Ends the process as SIGKILL would: nothing released on the way out. */
  async stop(): Promise<void> {
    untrack(this);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Stops every thread of process `pid` (SIGSTOP) and waits until the kernel
 * shows each one stopped: nothing of it, not even a thread that reads event
 * fds, runs until `resumeProcess`. What a test does meanwhile happens to a
 * process that cannot react, however fast its threads are.
 */
export const suspendProcess = async (pid: number): Promise<void> => {
  process.kill(pid, 'SIGSTOP');
  const state = (task: string): string => {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2, stat.lastIndexOf(') ') + 3);
  };
  for (const deadline = Date.now() + 5000; ; ) {
    if (readdirSync(`/proc/${pid}/task`).every((t) => state(t) === 'T')) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop on SIGSTOP`);
    await new Promise((r) => setTimeout(r, 1));
  }
};

export const resumeProcess = (pid: number): void => {
  process.kill(pid, 'SIGCONT');
};
