import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { embeddedConfig } from '../support/config';
import { freePort } from '../support/ports';
import { ROOT, Service } from '../support/service';

jest.setTimeout(30_000);
afterEach(cleanupAll);

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the command line of node dist/main.js', () => {
  it.each(['--version', '-v'])('%s prints the version and exits 0', async (flag) => {
    const service = await Service.start({}, { args: () => [flag] });
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.logs).toEqual([{ raw: VERSION }]);
    expect(service.stderr).toBe('');
  });

  it('--help names the command as it was run', async () => {
    const service = await Service.start({}, { args: () => ['--help'] });
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.logs[0]).toEqual({ raw: 'Usage: node dist/main.js [--config FILE]' });
    expect(service.logs.map((l) => l['raw'])).toEqual(expect.arrayContaining([expect.stringMatching(/^ +--version, -v +print the version and exit$/)]));
  });

  it("--help is what the README's usage block shows", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Command line, stopping and logs\n+```\n([\s\S]*?)```/.exec(readme)?.[1];
    const service = await Service.start({}, { args: () => ['--help'] });
    await service.waitForExit();
    // The test's reader drops blank lines: compare the others.
    const shown = (block ?? '').split('\n').filter((l) => l.trim() !== '');
    const printed = service.logs.map((l) => String(l['raw']));
    expect(shown.length).toBeGreaterThan(3);
    expect(printed.slice(0, shown.length)).toEqual(shown);
  });

  it.each([
    [['--config', 'a.yaml', '--config', 'b.yaml']],
    [['--config=a.yaml', '-c', 'b.yaml']],
  ])('--config given twice (%j) is an error, exit 2, before anything is read', async (args) => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port), { args: () => args });
    expect(await service.waitForExit()).toEqual({ code: 2, signal: null });
    expect(service.stderr.split('\n')[0]).toBe('--config given twice (a.yaml and b.yaml): give it once');
    expect(service.stderr).toMatch(/^Usage: /m);
    expect(service.logs).toEqual([]);
  });

  describe('a config file that is not there', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gpio-cwd-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('without --config: says where it looked and how to name another, exit 2', async () => {
      const service = await Service.start({}, { args: () => [], cwd: dir });
      expect(await service.waitForExit()).toEqual({ code: 2, signal: null });
      expect(service.stderr).toBe(`no config file at ./config.yaml (run from ${dir}; use --config FILE)\n`);
      expect(service.logs).toEqual([expect.objectContaining({ level: 'error', component: 'config', msg: `no config file at ./config.yaml (run from ${dir}; use --config FILE)` })]);
    });

    it('with --config: says where it looked, exit 2', async () => {
      const relative = await Service.start({}, { args: () => ['--config', 'site.yaml'], cwd: dir });
      expect(await relative.waitForExit()).toEqual({ code: 2, signal: null });
      expect(relative.stderr).toBe(`no config file at site.yaml (run from ${dir})\n`);

      const absolute = await Service.start({}, { args: () => ['--config', join(dir, 'site.yaml')], cwd: dir });
      expect(await absolute.waitForExit()).toEqual({ code: 2, signal: null });
      expect(absolute.stderr).toBe(`no config file at ${join(dir, 'site.yaml')}\n`);
    });
  });
});
