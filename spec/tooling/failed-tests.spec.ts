import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// test:hardware prints scripts/failed-tests.js's summary last when the kernel
// suite fails, so a CI log cut in the middle still names the failed tests.
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'failed-tests.js');

const summary = (results: unknown): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'failed-tests-')), 'results.json');
  writeFileSync(file, JSON.stringify(results));
  return execFileSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
};

describe('scripts/failed-tests.js', () => {
  it('names each failed test with the first lines of its failure, colours stripped, and a suite that failed outside its tests', () => {
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const out = summary({
      testResults: [
        {
          name: '/x/spec/contract/drivers.spec.ts',
          status: 'failed',
          message: '',
          assertionResults: [
            { fullName: 'contract: cdev reads every input', status: 'passed', failureMessages: [] },
            { fullName: 'contract: cdev watches edge inputs', status: 'failed', failureMessages: [`\u001b[31mError: expected 12 edges\u001b[39m\n${long}`] },
          ],
        },
        { name: '/x/spec/kernel/broken.spec.ts', status: 'failed', message: 'Test suite failed to run: SyntaxError', assertionResults: [] },
        { name: '/x/spec/kernel/fine.spec.ts', status: 'passed', message: '', assertionResults: [{ fullName: 'fine', status: 'passed', failureMessages: [] }] },
      ],
    });
    expect(out).toMatch(/^failed tests: 2\n/);
    expect(out).toContain('✕ /x/spec/contract/drivers.spec.ts: contract: cdev watches edge inputs\n    Error: expected 12 edges\n    line 0\n');
    expect(out).toContain('    line 10\n');
    expect(out).not.toContain('line 11');
    expect(out).toContain('✕ /x/spec/kernel/broken.spec.ts\n    Test suite failed to run: SyntaxError\n');
    expect(out).not.toContain('reads every input');
    expect(out).not.toContain('fine');
  });
});
