import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Stream units depend only on the core, as in rxjs and redux-observable; the
// core depends on nothing of ours outside it. Adapters are the edge.
const SRC = join(__dirname, '..', '..', 'src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const imports = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']*)'/g)].map((m) => m[1] as string);

describe('layering', () => {
  it.each(['core', 'streams'])('src/%s imports nothing from src/adapters', (layer) => {
    const offending = files(join(SRC, layer)).flatMap((f) =>
      imports(f)
        .filter((i) => relative(SRC, join(f, '..', i)).startsWith('adapters'))
        .map((i) => `${relative(SRC, f)} -> ${i}`),
    );
    expect(files(join(SRC, layer)).length).toBeGreaterThan(3);
    expect(offending).toEqual([]);
  });

  it('src/core imports nothing from src/streams', () => {
    const offending = files(join(SRC, 'core')).flatMap((f) => imports(f).filter((i) => relative(SRC, join(f, '..', i)).startsWith('streams')));
    expect(offending).toEqual([]);
  });

  // The entry points are files outside the layers: each is held to what it promises.
  const outside = (file: string, allowed: ReadonlyArray<string>): string[] =>
    imports(join(SRC, file))
      .map((i) => relative(SRC, join(SRC, i)))
      .filter((target) => !allowed.some((a) => target === a || target.startsWith(`${a}/`)))
      .map((target) => `${file} -> ${target}`);

  it('src/streams.ts (the pure `/streams` entry) imports only from src/core and src/streams', () => {
    expect(imports(join(SRC, 'streams.ts')).length).toBeGreaterThan(3);
    expect(outside('streams.ts', ['core', 'streams'])).toEqual([]);
  });

  it('src/sim.ts (the `/sim` entry) imports only the simulated chip and the core', () => {
    expect(outside('sim.ts', ['core', 'adapters/gpio/sim'])).toEqual([]);
  });

  it('the check sees an entry point that reaches into the adapters', () => {
    // What src/streams.ts did before: re-export the simulated chip.
    expect(outside('index.ts', ['core', 'streams'])).not.toEqual([]);
  });
});
