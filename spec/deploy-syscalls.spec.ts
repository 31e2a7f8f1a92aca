import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient } from './support/client';
import { cleanupAll } from './support/cleanup';
import { embeddedConfig, expectError, read } from './support/config';
import { freePort } from './support/ports';
import { MAIN } from './support/service';
import { stringify } from 'yaml';

// Issue 11, item 9: the unit's SystemCallFilter must not stop the service.
// systemd is not PID 1 here, so the unit cannot be run; instead the built
// service runs under strace (start-up, a write, a read, a rejected request,
// SIGTERM) and every system call it makes is checked against the unit's filter,
// expanded by systemd-analyze itself. Outside the filter a call fails with
// EPERM (SystemCallErrorNumber=EPERM): only calls known to cope with that are allowed.
jest.setTimeout(60_000);
afterEach(cleanupAll);

/** Calls outside @system-service that the service makes and that fail softly with EPERM. */
const TOLERATED: Readonly<Record<string, string>> = {
  pkey_alloc: 'V8 probes for memory protection keys and does without them',
};

const binary = (name: string, paths: string[]): string => {
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`NOT RUN: ${name} is not installed (scripts/system-deps.sh installs it as root)`);
  return found;
};

/** The system calls a group allows, with nested groups expanded, as systemd-analyze lists them. */
function filterSet(analyze: string, include: string, exclude: string): Set<string> {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of execFileSync(analyze, ['syscall-filter', '--no-pager'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')) {
    if (/^@[\w-]+$/.test(line)) groups.set(line, (current = []));
    else if (current !== undefined && /^\s+[@\w-]+$/.test(line)) current.push(line.trim());
  }
  const expand = (group: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (seen.has(group)) return out;
    seen.add(group);
    for (const item of groups.get(group) ?? []) {
      if (item.startsWith('@')) for (const call of expand(item, seen)) out.add(call);
      else out.add(item);
    }
    return out;
  };
  const excluded = expand(exclude);
  return new Set([...expand(include)].filter((call) => !excluded.has(call)));
}

describe('deploy/rpi-gpio-connector.service: system calls', () => {
  it('the service makes no system call outside @system-service ~@privileged but ones that cope with EPERM', async () => {
    const unit = readFileSync(join(__dirname, '..', 'deploy', 'rpi-gpio-connector.service'), 'utf8');
    expect(unit.match(/^SystemCallFilter=.*$/gm)).toEqual(['SystemCallFilter=@system-service', 'SystemCallFilter=~@privileged']);
    expect(unit).toMatch(/^SystemCallErrorNumber=EPERM$/m);
    const analyze = binary('systemd-analyze', ['/usr/bin/systemd-analyze', '/bin/systemd-analyze']);
    const strace = binary('strace', ['/usr/bin/strace', '/bin/strace']);
    const allowed = filterSet(analyze, '@system-service', '@privileged');
    expect(allowed.has('openat') && allowed.has('epoll_pwait') && !allowed.has('reboot')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'syscalls-'));
    try {
      const port = await freePort();
      const config = join(dir, 'config.yaml');
      writeFileSync(config, stringify(embeddedConfig(port)));
      const trace = join(dir, 'trace');
      const child = spawn(strace, ['-f', '-qq', '-o', trace, process.execPath, MAIN, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      for (let i = 0; !out.includes('"msg":"ready"'); i++) {
        if (i > 300 || child.exitCode !== null) throw new Error(`service under strace did not get ready:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
      await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
      await client.publish('gpio/t1/9/write', '1');
      expect(await read(client, 9)).toBe('1');
      expect((await expectError(client, 'gpio/t1/4/read', ''))['error']).toBe('Unconfigured GPIO');
      await client.end();
      // The service is strace's child: signal it, not strace.
      const pid = Number(execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
      process.kill(pid, 'SIGTERM');
      expect(await exited).toBe(0);

      const used = new Set(
        readFileSync(trace, 'utf8')
          .split('\n')
          .map((l) => /^\d+\s+([a-z_0-9]+)\(/.exec(l)?.[1])
          .filter((c): c is string => c !== undefined),
      );
      expect(used.size).toBeGreaterThan(20);
      const outside = [...used].filter((call) => !allowed.has(call)).sort();
      console.log(`system calls made: ${used.size}; outside the filter: ${outside.join(', ') || 'none'}`);
      expect(outside.filter((call) => TOLERATED[call] === undefined)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
