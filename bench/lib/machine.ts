/** What the figures were measured on: they mean little without it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { mosquittoBinary } from '../../spec/support/mosquitto';
import { ROOT } from './procs';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly mosquitto: string;
  readonly kernel: string;
  readonly os: string;
  /** The commit measured, and whether src/ differed from it (someone may be editing it). */
  readonly commit: string;
  readonly srcDirty: boolean;
}

const quiet = (file: string, args: string[]): string => {
  try {
    return execFileSync(file, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // mosquitto -h exits non-zero but prints its version.
    return String((e as { stdout?: string }).stdout ?? '');
  }
};

const cpuModel = (): string => {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] !== undefined) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
};

const osName = (): string => {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1] !== undefined) return m[1];
  } catch {
    // no os-release
  }
  return `${os.type()} ${os.release()}`;
};

export const machineInfo = (): Machine => {
  const mosquitto = /mosquitto version (\S+)/.exec(quiet(mosquittoBinary(), ['-h']))?.[1] ?? 'unknown';
  const commit = quiet('git', ['rev-parse', '--short', 'HEAD']).trim() || 'unknown';
  // Read-only: lists changes, changes nothing.
  const srcDirty = quiet('git', ['status', '--porcelain', '--', 'src']).trim() !== '';
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    mosquitto,
    kernel: os.release(),
    os: osName(),
    commit,
    srcDirty,
  };
};
