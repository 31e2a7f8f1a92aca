/**
 * The stand-in libgpiod.so.2 itself: built, loaded by the real node-libgpiod
 * addon in a child process, and emulating libgpiod 1.6's chip lookup.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GpiodStandin } from '../support/gpiod-standin';
import { PI, child, disposeAll, run, standin } from './helpers';

jest.setTimeout(30_000);

let libDir = '';
beforeAll(async () => {
  libDir = await GpiodStandin.build(); // fails with the compiler's name if there is none
});
afterEach(disposeAll);

const ADDON = path.resolve(__dirname, '../../node_modules/node-libgpiod/build/Release/node-libgpiod.node');

function symbols(file: string, which: '--undefined-only' | '--defined-only'): string[] {
  return execFileSync('nm', ['-D', which, file], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).pop() ?? '')
    .filter((s) => s.startsWith('gpiod_'));
}

describe('the stand-in library', () => {
  it('is cached under .tmp and exports every gpiod symbol node-libgpiod imports', () => {
    expect(libDir.startsWith(path.resolve(__dirname, '../../.tmp/gpiod-standin/'))).toBe(true);
    const lib = path.join(libDir, 'libgpiod.so.2');
    expect(fs.existsSync(lib)).toBe(true);
    const needed = symbols(ADDON, '--undefined-only');
    expect(needed.length).toBeGreaterThan(55);
    const exported = new Set(symbols(lib, '--defined-only'));
    expect(needed.filter((s) => !exported.has(s))).toEqual([]);
  });

  it('is what the addon loads in a child started with env()', async () => {
    const s = await standin([PI]);
    const got = await child<{ version: string; mapped: boolean }>(s, `
      const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
      out({ version: g.version, mapped: maps.includes(${JSON.stringify(path.join(libDir, 'libgpiod.so.2'))}) });
    `);
    expect(got.version).toContain('standin');
    expect(got.mapped).toBe(true);
    expect(s.env().GPIOD_STANDIN_STATE).toBe(s.stateFile);
    expect(s.env().LD_LIBRARY_PATH?.split(':')[0]).toBe(libDir);
  });
});

describe('chips', () => {
  it('lists /dev/gpiochip* in alphasort order (gpiochip10 before gpiochip2)', async () => {
    const s = await standin([
      { name: 'gpiochip2', label: 'two', lines: 4 },
      { name: 'gpiochip10', label: 'ten', lines: 4 },
      PI,
      { name: 'spidev0', label: 'not a gpiochip', lines: 4 },
    ]);
    expect(await child(s, `out(g.getChipNames());`)).toEqual(['gpiochip0', 'gpiochip10', 'gpiochip2']);
  });

  it('has no chips without a state file', async () => {
    const s = await standin([PI]);
    fs.unlinkSync(s.stateFile);
    const got = await child(s, `out({ names: g.getChipNames(), open: codeOf(() => new g.Chip('0')) });`);
    expect(got).toEqual({ names: [], open: 'ENOENT' });
  });

  it('fails the whole listing with EACCES when one chip cannot be opened, as 1.6 does', async () => {
    const s = await standin([PI, { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8, access: 'denied' }]);
    const got = await child(s, `out({
      list: codeOf(() => g.getChipNames()),
      byName: codeOf(() => new g.Chip('gpiochip0')),
      denied: codeOf(() => new g.Chip('gpiochip1')),
      // The label lookup iterates over every chip and fails; then /dev/<label> does not exist.
      byLabel: codeOf(() => new g.Chip('pinctrl-bcm2711')),
    });`);
    expect(got).toEqual({ list: 'EACCES', byName: 'ok', denied: 'EACCES', byLabel: 'ENOENT' });
  });

  it('opens a chip by label, number, name and path, like gpiod_chip_open_lookup', async () => {
    const s = await standin([PI, { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 }]);
    const got = await child(s, `
      const show = (id) => { try { const c = new g.Chip(id); return [c.name, c.label, c.numberOfLines]; } catch (e) { return e.code; } };
      out(['pinctrl-bcm2711', '0', '1', 'gpiochip1', '/dev/gpiochip0', 'gpiochip7', '7', 'no-such-label'].map(show));
    `);
    expect(got).toEqual([
      ['gpiochip0', 'pinctrl-bcm2711', 58],
      ['gpiochip0', 'pinctrl-bcm2711', 58],
      ['gpiochip1', 'raspberrypi-exp-gpio', 8],
      ['gpiochip1', 'raspberrypi-exp-gpio', 8],
      ['gpiochip0', 'pinctrl-bcm2711', 58],
      'ENOENT',
      'ENOENT',
      'ENOENT',
    ]);
  });

  it('refuses a line past the end of the chip with EINVAL and finds lines by name', async () => {
    const s = await standin([{ ...PI, lineNames: ['ID_SDA', 'ID_SCL', 'GPIO2'] }]);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      out({
        past: codeOf(() => new g.Line(chip, 99)),
        atEnd: codeOf(() => new g.Line(chip, 58)),
        last: new g.Line(chip, 57).offset,
        byName: new g.Line(chip, 'GPIO2').offset,
        name: new g.Line(chip, 1).name,
        unnamed: new g.Line(chip, 3).name === undefined,
        missing: codeOf(() => new g.Line(chip, 'GPIO99')),
      });
    `);
    expect(got).toEqual({ past: 'EINVAL', atEnd: 'EINVAL', last: 57, byName: 2, name: 'ID_SCL', unnamed: true, missing: 'ENOENT' });
  });

  it('reports a line used after its chip was closed (the Chip was garbage collected first)', async () => {
    const s = await standin([PI]);
    const r = await run(s, `
      require('v8').setFlagsFromString('--expose-gc');
      const gc = require('vm').runInNewContext('gc');
      let chip = new g.Chip('gpiochip0');
      const line = new g.Line(chip, 3);
      line.requestOutputMode('app', 1);
      chip = null; // the Line does not keep its Chip alive
      (async () => {
        for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setImmediate(r)); }
        out(codeOf(() => line.getValue()));
      })();
    `);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('"EBADF"');
    expect(r.stderr).toContain('gpiod_line_get_value() on line 3 of gpiochip0 after its chip was closed');
    // Closing the chip released the line, as closing its fd does: no longer driven, it is back at its pull.
    expect(s.line('gpiochip0', 3)).toMatchObject({ requested: false, releases: 1, level: 0 });
    expect(s.events().map((e) => e.split(' ')[0])).toEqual(['request', 'release', 'use-after-close']);
    expect(s.events()[2]).toMatch(/^use-after-close fn=gpiod_line_get_value chip=gpiochip0 offset=3 pid=\d+$/);
  });
});
