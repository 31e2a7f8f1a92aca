import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from '../support/service';

/** A section of README.md, from its `## ` heading to the next one. */
export const readmeSection = (heading: string): string => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};

/** The README's `npm install ...` line for the library: what it tells a user to install. */
export const readmeInstall = (): string[] => {
  const line = /```sh\n(?:[^`]*\n)?(npm install [^\n#]+)/.exec(readmeSection('Using it as a library'))?.[1];
  if (line === undefined) throw new Error('README "Using it as a library" has no npm install line in a sh block');
  return line.trim().split(/\s+/).slice(2);
};

/** The version of a package installed in this repository, so the user's tools match the ones the suite uses. */
const installed = (name: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment without what `npm test` adds for its scripts (npm_config_local_prefix would point npm at this repository). */
const userEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));

const run = (command: string, args: string[], cwd: string): string => {
  const r = spawnSync(command, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 10 * 60_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

export interface UserProject {
  readonly dir: string;
  /** The README's install line, as run (the package itself as its tarball). */
  readonly install: ReadonlyArray<string>;
  remove(): void;
}

/**
 * A user's project, made as a user makes one: a fresh npm project outside
 * the repository, `npm pack` of the repository (its `files` and `exports`
 * decide what the user gets), and `npm install` of that tarball with exactly
 * what the README's "Using it as a library" tells a user to install, plus
 * TypeScript and @types/node at this repository's versions to type-check
 * with. Nothing is linked from the repository.
 *
 * `--install-strategy=nested` keeps npm from hoisting the package's own
 * dependencies (fp-ts, io-ts, mqtt) to the top of the project, as pnpm and
 * Yarn PnP never do: code that imports a package the user did not install
 * fails here, as it fails for them, instead of passing by luck of hoisting.
 * `--prefer-offline`: the npm cache first, the registry for what is missing.
 */
export function userProject(): UserProject {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'gpio-user-')));
  if (!relative(ROOT, dir).startsWith('..')) throw new Error(`${dir} is inside the repository: node would find its node_modules`);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'gpio-user', version: '1.0.0', private: true }, null, 2)}\n`);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as ReadonlyArray<{ filename: string }>;
  const tarball = join(dir, packed[0]?.filename ?? '');
  const install = readmeInstall().map((arg) => (arg === 'rpi-gpio-connector' ? tarball : arg));
  if (!install.includes(tarball)) throw new Error(`the README's install line does not install rpi-gpio-connector: ${install.join(' ')}`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--install-strategy=nested', ...install], dir);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--install-strategy=nested', '--save-dev', `typescript@${installed('typescript')}`, `@types/node@${installed('@types/node')}`], dir);
  return { dir, install, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
