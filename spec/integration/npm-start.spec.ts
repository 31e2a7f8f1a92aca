import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig, embeddedConfig } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { ROOT, Service, type ServiceOptions } from '../support/service';

// `npm start` builds first (prestart), in its own copy of the package: a few tens of seconds on a busy machine.
jest.setTimeout(300_000);
afterEach(cleanupAll);

/**
 * A clone as a user has it: package.json, tsconfig.json and src/ copied,
 * node_modules and the addon's build/ linked. `npm start` builds its own
 * dist/ there, so the repository's is never rewritten under other tests.
 */
function clone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-clone-'));
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(dir, f));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (existsSync(join(ROOT, 'build'))) symlinkSync(join(ROOT, 'build'), join(dir, 'build'), 'dir');
  return dir;
}

/**
 * A project with this package installed as npm lays it out: its files under
 * node_modules/rpi-gpio-connector (dist/main.js made executable), its
 * dependencies beside it, its bin linked in node_modules/.bin.
 */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-npx-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-pi', version: '1.0.0', private: true }));
  const pkg = join(dir, 'node_modules', 'rpi-gpio-connector');
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  mkdirSync(pkg);
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  if (existsSync(join(ROOT, 'build'))) symlinkSync(join(ROOT, 'build'), join(pkg, 'build'), 'dir');
  chmodSync(join(pkg, 'dist', 'main.js'), 0o755);
  symlinkSync('../rpi-gpio-connector/dist/main.js', join(dir, 'node_modules', '.bin', 'rpi-gpio-connector'));
  return dir;
}

/**
 * The environment of a user's shell: none of the npm_* variables of the
 * `npm test` running this (npm_config_local_prefix would point the inner npm
 * at the repository), and npx never installing anything.
 */
const userEnv = (): Record<string, string | undefined> => ({
  ...Object.fromEntries(Object.keys(process.env).filter((k) => /^npm_/i.test(k) || k === 'INIT_CWD').map((k) => [k, undefined])),
  LOG_LEVEL: undefined,
  npm_config_yes: 'false',
  npm_config_update_notifier: 'false',
});

/** Parent of each process, from /proc. */
const parents = (): Map<number, number> => {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return map;
};

/** The `node .../dist/main.js` process somewhere under `root`. */
function serviceProcess(root: number): number {
  const map = parents();
  const under = (pid: number): boolean => {
    for (let p = map.get(pid); p !== undefined && p > 1; p = map.get(p)) if (p === root) return true;
    return false;
  };
  const found = [...map.keys()].filter((pid) => {
    if (!under(pid)) return false;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return /node$/.test(argv[0] ?? '') && argv.some((a) => a.endsWith('dist/main.js') || a.endsWith('.bin/rpi-gpio-connector'));
    } catch {
      return false;
    }
  });
  if (found.length !== 1) throw new Error(`expected one service process under ${root}, found ${JSON.stringify(found)}`);
  return found[0] as number;
}

/** Whether `pid` still runs (a zombie waiting to be reaped holds nothing and does not count). */
function running(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z') return undefined;
    return `${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')} (state ${state}, parent ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]})`;
  } catch {
    return undefined;
  }
}

/** Binds the port and lets it go: what the next start's embedded broker does first. */
const bindable = (port: number): Promise<true | string> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

type Launch = 'npm start' | 'npx';
type Target = 'npm' | 'group';

const launch = (how: Launch, dir: string): Pick<ServiceOptions, 'command' | 'cwd' | 'env' | 'args'> => ({
  command: how === 'npm start' ? { file: 'npm', args: ['start', '--'] } : { file: 'npx', args: ['rpi-gpio-connector'] },
  cwd: dir,
  env: userEnv(),
  args: (file) => ['--config', file],
});

/**
 * Starts the service through npm as a user does, signals npm (alone, as
 * `kill` or a process manager does, or its whole process group, as Ctrl-C in
 * a terminal does) and checks that the service itself stopped cleanly.
 */
async function startAndStop(how: Launch, dir: string, signal: NodeJS.Signals, target: Target, broker?: Mosquitto) {
  const port = await freePort();
  const url = broker?.url ?? `mqtt://127.0.0.1:${port}`;
  const service = await Service.start(broker === undefined ? embeddedConfig(port) : brokerConfig(broker.url), launch(how, dir));
  await service.ready(240_000);
  const pid = serviceProcess(service.pid as number);
  const watcher = await TestClient.connect(url);
  await watcher.subscribe('gpio/t1/status');
  expect((await watcher.until('gpio/t1/status', (m) => m.payload === 'online')).payload).toBe('online');

  if (target === 'npm') service.kill(signal);
  else service.killGroup(signal);
  // Resolves once every holder of the output pipe has gone: npm, and the service (which inherited it).
  await service.waitForExit(20_000);

  const logs = service.logs.filter((l) => l['raw'] === undefined);
  const shutting = logs.find((l) => l['msg'] === 'shutting down');
  expect({ shutting, stopped: logs.some((l) => l['msg'] === 'stopped') }).toEqual({ shutting: expect.objectContaining({ level: 'info' }), stopped: true });
  expect(await watcher.until('gpio/t1/status', (m) => m.payload === 'offline', 5_000)).toEqual(expect.objectContaining({ payload: 'offline' }));
  expect(running(pid)).toBeUndefined();
  if (broker === undefined) expect(await bindable(port)).toBe(true);
  else {
    const fresh = await TestClient.connect(broker.url);
    await fresh.subscribe('gpio/t1/status');
    expect(await fresh.next('gpio/t1/status')).toEqual({ topic: 'gpio/t1/status', payload: 'offline', retain: true });
  }
  console.log(`${how}, ${signal} to ${target === 'npm' ? 'npm alone' : 'the process group'}: service ${pid} stopped (${String(shutting?.['reason'])}); npm exited ${JSON.stringify(service.exited)}`);
}

describe('npm start', () => {
  let dir: string;
  beforeAll(() => (dir = clone()));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[NodeJS.Signals, Target]>([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'npm'],
    ['SIGINT', 'group'],
  ])('stops the service cleanly on %s to %s, and frees the broker port for the next start', async (signal, target) => {
    await startAndStop('npm start', dir, signal, target);
  });
});

describe('npx rpi-gpio-connector', () => {
  let dir: string;
  beforeAll(() => (dir = userProject()));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the service cleanly on SIGTERM to npx, leaving offline retained on the status topic', async () => {
    await startAndStop('npx', dir, 'SIGTERM', 'npm', await Mosquitto.start());
  });

  // SIGINT to npx alone is not here: npm passes it to its `sh -c`, and dash holds a SIGINT until
  // its foreground child ends, so neither the service nor its parent sees anything (see the README).
  it('stops the service cleanly on Ctrl-C (SIGINT to the process group)', async () => {
    await startAndStop('npx', dir, 'SIGINT', 'group');
  });

  it('names itself rpi-gpio-connector in its usage, and prints its version', async () => {
    const help = await Service.start({}, { ...launch('npx', dir), args: () => ['--help'] });
    expect(await help.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    expect(help.logs.map((l) => l['raw']).join('\n')).toMatch(/^Usage: rpi-gpio-connector \[--config FILE\]$/m);

    const version = await Service.start({}, { ...launch('npx', dir), args: () => ['--version'] });
    expect(await version.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    const expected = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version.logs).toEqual([{ raw: expected }]);
  });
});
