import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// No module of src imports itself through others, type-only imports
// included: a circle means two files are one concern split in two, or one
// that belongs in a third (and, at run time, a module that sees the other
// half-loaded). Found by Tarjan's strongly connected components.
const SRC = join(__dirname, '..', '..', 'src');

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** Every relative module a file names: `import`, `import type`, `export ... from`, `import(...)`, `require(...)`. */
export const relativeImports = (text: string): string[] =>
  [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm)].map((m) => m[1] as string);

/** `./x`, `./x.js` or `./x/index` from `file`, as a path under src, or undefined when it is not a .ts file of src. */
const resolveFrom = (file: string, spec: string): string | undefined => {
  const base = join(dirname(file), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return undefined;
};

/** The strongly connected components with more than one module, or one that imports itself: the circles. */
export const circles = (graph: ReadonlyMap<string, ReadonlyArray<string>>): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
};

describe('import circles', () => {
  it('the detector finds a circle, type-only imports and re-exports included, and none in a tree', () => {
    const parsed = relativeImports(
      ["import type { A } from './a';", "export { b } from '../b';", "import './side-effect';", "const c = require('./c');", "await import('./d.js');", "import * as t from 'io-ts';"].join('\n'),
    );
    expect(parsed).toEqual(['./a', '../b', './side-effect', './c', './d.js']);
    const circle = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(circles(circle)).toEqual([['a', 'b', 'c']]);
    expect(circles(new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(circles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('src has none', () => {
    const graph = new Map<string, string[]>();
    for (const file of files(SRC)) {
      const deps = relativeImports(readFileSync(file, 'utf8'))
        .map((spec) => resolveFrom(file, spec))
        .filter((d): d is string => d !== undefined)
        .map((d) => relative(SRC, d));
      graph.set(relative(SRC, file), deps);
    }
    expect(graph.size).toBeGreaterThan(50);
    // Something is resolved: the graph has edges (a resolver that finds nothing would see no circle either).
    expect([...graph.values()].flat().length).toBeGreaterThan(graph.size);
    expect(circles(graph).map((c) => c.join(' <-> '))).toEqual([]);
  });
});
