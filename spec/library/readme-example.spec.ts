import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN } from '../support/service';
import { readmeSection, userProject, type UserProject } from './package';

// The README's library example, taken from README.md as it is, in a user's
// own project (the packed package and what the README says to install, see
// ./package.ts): type-checked and compiled by that project's tsc --strict as
// CommonJS (.cts) and ESM (.mts), then run with node. Needs npm run build.
jest.setTimeout(10 * 60_000);

const readmeExample = (): string => {
  const block = /```ts\n([\s\S]*?)```/.exec(readmeSection('Using it as a library'));
  if (block?.[1] === undefined) throw new Error('no ts block in the README section "Using it as a library"');
  return block[1];
};

/** The user's tsc, as a user runs it on Node 20: nodenext, --strict, and the library's types checked too (no skipLibCheck). */
const tsc = (dir: string, ...args: string[]) =>
  spawnSync(
    process.execPath,
    [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', ...args],
    { cwd: dir, encoding: 'utf8', timeout: 5 * 60_000 },
  );

describe('the README library example, in a fresh npm project with the packed package', () => {
  let project: UserProject;

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error('run npm run build first');
    project = userProject();
    const code = readmeExample();
    writeFileSync(join(project.dir, 'example.cts'), code);
    writeFileSync(join(project.dir, 'example.mts'), code);
    // The root entry's own types too: the libgpiod driver, and the result type by name.
    const root = `import { openLibgpiodDriver, type Either, type GpioDriver } from 'rpi-gpio-connector';
export const open: (chip: string) => Either<string, GpioDriver> = (chip) => openLibgpiodDriver([], chip);
`;
    writeFileSync(join(project.dir, 'root.cts'), root);
    writeFileSync(join(project.dir, 'root.mts'), root);
    // Which install this is, for a reader of the test output.
    console.log(`user project ${project.dir}: npm install ${project.install.join(' ')}`);
  });
  afterAll(() => project?.remove());

  it('type-checks and compiles with tsc --strict as CommonJS and as ESM', () => {
    const r = tsc(project.dir, 'example.cts', 'example.mts', 'root.cts', 'root.mts');
    expect({ status: r.status, output: r.stdout + r.stderr }).toEqual({ status: 0, output: '' });
  });

  it('imports only what the user installed: every package the example names is in the project\'s package.json', () => {
    const imported = [...readmeExample().matchAll(/from '([^']+)'/g)].map((m) => m[1] as string).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string)));
    const pkg = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(imported.filter((name) => !name.startsWith('node:') && pkg.dependencies?.[name] === undefined)).toEqual([]);
  });

  it('needs no fp-ts or io-ts types from anyone: the public types are the package\'s own and rxjs\'s', () => {
    const r = tsc(project.dir, '--listFilesOnly', 'example.cts', 'example.mts', 'root.cts', 'root.mts');
    expect(r.status).toBe(0);
    const files = r.stdout.split('\n').filter((f) => f.includes('/node_modules/'));
    expect(files.some((f) => f.includes('/node_modules/rpi-gpio-connector/dist/adapters/gpio/libgpiod/driver.d.ts'))).toBe(true);
    expect(files.filter((f) => /\/node_modules\/(fp-ts|io-ts)\//.test(f))).toEqual([]);
  });

  it('shares the user\'s rxjs: a peer dependency (npm then refuses a second, clashing rxjs), one copy, at the top of the project', () => {
    const manifest = JSON.parse(readFileSync(join(project.dir, 'node_modules', 'rpi-gpio-connector', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect({ peer: manifest['peerDependencies']?.['rxjs'], dependency: manifest['dependencies']?.['rxjs'] }).toEqual({ peer: expect.stringMatching(/^\^7\./), dependency: undefined });
    expect(existsSync(join(project.dir, 'node_modules', 'rxjs', 'package.json'))).toBe(true);
    expect(existsSync(join(project.dir, 'node_modules', 'rpi-gpio-connector', 'node_modules', 'rxjs'))).toBe(false);
  });

  it.each(['example.cjs', 'example.mjs'])('runs as %s, answers, rejects the write to an input, and stops by itself', (file) => {
    const run = spawnSync(process.execPath, [join(project.dir, file)], { cwd: project.dir, encoding: 'utf8', timeout: 20_000 });
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.\n',
    });
    expect(run.stdout.split('\n')).toEqual(expect.arrayContaining(['GPIO 8 is 0', 'GPIO 8 is 1', 'GPIO 5 is 1']));
  });
});
