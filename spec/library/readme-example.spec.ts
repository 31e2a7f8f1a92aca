import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { MAIN, ROOT } from '../support/service';
import { userProject } from './package';

// The README's library example, taken from README.md as it is, type-checked
// and compiled by TypeScript as CommonJS (.cts) and as ESM (.mts), then run
// with node against the built package (needs npm run build).
jest.setTimeout(60_000);

const readmeExample = (): string => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using it as a library'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block?.[1] === undefined) throw new Error('no ts block in the README section "Using it as a library"');
  return block[1];
};

/** Compiles `files` with the options a user on Node 20 would use (nodenext); returns the diagnostics. */
const compile = (dir: string, files: string[]): string[] => {
  const program = ts.createProgram(
    files.map((f) => join(dir, f)),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, types: ['node'], skipLibCheck: true, outDir: dir },
  );
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
};

describe('the README library example', () => {
  const project = userProject();
  afterAll(() => project.remove());

  beforeAll(() => {
    if (!readFileSync(MAIN)) throw new Error('run npm run build first');
    const code = readmeExample();
    writeFileSync(join(project.dir, 'example.cts'), code);
    writeFileSync(join(project.dir, 'example.mts'), code);
  });

  it('type-checks as CommonJS and as ESM', () => {
    expect(compile(project.dir, ['example.cts', 'example.mts'])).toEqual([]);
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

  it('fails as ESM with the fp-ts import the old example had: the reason the README shows fp-ts/lib/Either.js', () => {
    writeFileSync(join(project.dir, 'old.mjs'), "import * as E from 'fp-ts/Either';\nconsole.log(typeof E.isLeft);\n");
    const run = spawnSync(process.execPath, [join(project.dir, 'old.mjs')], { cwd: project.dir, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('ERR_UNSUPPORTED_DIR_IMPORT');
  });
});
