/**
 * A Mosquitto for the benchmarks: like spec/support/mosquitto.ts (free
 * loopback port, temp config, stopped by cleanupAll), plus `set_tcp_nodelay`,
 * and its pid, so its CPU can be read.
 *
 * Why nodelay: with Mosquitto's default (Nagle on), a QoS 1 request waits
 * ~40 ms for its answer whatever answers it: the broker sends the requester a
 * PUBACK, then the answer, and Nagle holds the answer until the requester's
 * delayed ACK of the PUBACK. That would hide the service behind the broker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Order, track, untrack } from '../../spec/support/cleanup';
import { mosquittoBinary } from '../../spec/support/mosquitto';
import { freePort } from '../../spec/support/ports';
import { sleep } from './procs';

export interface Broker {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });

export const startMosquitto = async (options: { tcpNoDelay: boolean } = { tcpNoDelay: true }): Promise<Broker> => {
  const binary = mosquittoBinary();
  let lastLog = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gpio-bench-mosquitto-'));
    const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', `set_tcp_nodelay ${options.tcpNoDelay}`];
    if (process.getuid?.() === 0) lines.push(`user ${userInfo().username}`);
    writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    const child = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    let running = true;
    const exited = new Promise<void>((done) =>
      child.once('exit', () => {
        running = false;
        done();
      }),
    );
    const broker: Broker = {
      url: `mqtt://127.0.0.1:${port}`,
      pid: child.pid ?? -1,
      stop: async () => {
        untrack(broker);
        if (running) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
    track(broker, Order.Broker, () => broker.stop());
    const deadline = Date.now() + 5_000;
    while (running && Date.now() < deadline) {
      if (await accepts(port)) return broker;
      await sleep(50);
    }
    lastLog = log;
    await broker.stop();
  }
  throw new Error(`mosquitto did not start; its log:\n${lastLog}`);
};
