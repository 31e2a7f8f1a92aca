import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// npm test runs `npm run lint` (eslint with typescript-eslint) before jest.
// This checks that the linter it runs is live: it refuses what it is there to
// refuse, on a file where the project's sources are.
const ROOT = join(__dirname, '..', '..');
const lint = (text: string, file = 'src/core/lint-probe.ts') =>
  spawnSync(process.execPath, [join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: ROOT,
    input: text,
    encoding: 'utf8',
  });
const rules = (out: string): string[] => (JSON.parse(out) as Array<{ messages: Array<{ ruleId: string | null }> }>).flatMap((r) => r.messages.map((m) => String(m.ruleId)));

describe('the linter npm test runs', () => {
  it('refuses an unused import, an unused parameter and a stale eslint-disable comment', () => {
    const run = lint(
      [
        "import { Observable } from 'rxjs';",
        'export const f = (a: number, b: number): number => a;',
        '// eslint-disable-next-line no-console',
        'export const g = 1;',
        '',
      ].join('\n'),
    );
    expect(run.status).toBe(1);
    const found = rules(run.stdout);
    expect(found.filter((r) => r === '@typescript-eslint/no-unused-vars')).toHaveLength(2);
    expect(found).toContain('null'); // the unused disable directive is reported without a rule
  });

  it('passes a clean file, and allows an unused parameter named with a leading underscore', () => {
    const run = lint("export const f = (_a: number, b: number): number => b;\n");
    expect(run.stderr).toBe('');
    expect(rules(run.stdout)).toEqual([]);
    expect(run.status).toBe(0);
  });
});
