import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { loadNativeAddon } from '../../src/adapters/gpio/native/addon';

// The prebuilt addons shipped in the package (prebuilds/, built by
// scripts/prebuild.sh): that they are what native/ builds to today, for the
// machines they are named for, in the packed tarball, and that the package
// installed from that tarball uses them without compiling anything, falling
// back to a source build only where none fits. That they load and work on
// ARM (arm64, and armhf on a 64-bit kernel) is scripts/check-arm.sh's, in
// Debian trixie userlands under qemu.
const ROOT = join(__dirname, '..', '..');
const TARGETS = [
  { dir: 'linux-x64', machine: 'Advanced Micro Devices X86-64' },
  { dir: 'linux-arm64', machine: 'AArch64' },
  { dir: 'linux-arm', machine: 'ARM' },
] as const;
const FILE = 'gpio_native.napi.glibc.node';
/** How many functions this checkout's addon has (native/addon.c's exports): the packed one must have as many. */
const FUNCTIONS = ((): number => {
  const loaded = loadNativeAddon();
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  return Object.keys(loaded.right).length;
})();
const committed = (dir: string) => join(ROOT, 'prebuilds', dir, FILE);

jest.setTimeout(180_000);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prebuilds-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('prebuilds/', () => {
  it('holds exactly what scripts/prebuild.sh builds from native/ now, byte for byte (else: run scripts/prebuild.sh and commit prebuilds/)', () => {
    const out = join(tmp, 'rebuilt');
    const run = spawnSync('sh', [join(ROOT, 'scripts', 'prebuild.sh'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toMatch(/linux-arm\/gpio_native/);
    expect(run.status).toBe(0);
    for (const { dir } of TARGETS) {
      expect(readdirSync(join(out, dir))).toEqual([FILE]);
      expect({ dir, same: execFileSync('sha256sum', [join(out, dir, FILE)], { encoding: 'utf8' }).split(' ')[0] }).toEqual({
        dir,
        same: execFileSync('sha256sum', [committed(dir)], { encoding: 'utf8' }).split(' ')[0],
      });
    }
    expect(readdirSync(join(ROOT, 'prebuilds')).sort()).toEqual(TARGETS.map((t) => t.dir).sort());
  });

  it.each(TARGETS)('$dir: an ELF shared object for its machine, needing glibc 2.34 at most (Bookworm has 2.36) and no libgpiod', ({ dir, machine }) => {
    const header = execFileSync('readelf', ['-h', committed(dir)], { encoding: 'utf8' });
    expect(header).toMatch(/Type:\s+DYN/);
    expect(header).toMatch(new RegExp(`Machine:\\s+${machine}\\n`));
    const symbols = execFileSync('objdump', ['-T', committed(dir)], { encoding: 'utf8' });
    const versions = [...symbols.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => Number(m[1]) * 1000 + Number(m[2]));
    expect(versions.length).toBeGreaterThan(0);
    expect(Math.max(...versions)).toBeLessThanOrEqual(2034);
    expect(symbols).toMatch(/napi_register_module_v1/);
    const needed = execFileSync('readelf', ['-d', committed(dir)], { encoding: 'utf8' });
    expect(needed).toContain('libc.so.6');
    expect(needed).not.toMatch(/libgpiod/);
  });

  it('linux-arm is ARMv6 hard-float through and through (runs on a Pi Zero/1 and on ARMv7/v8 in 32-bit): no Thumb-2, VFPv2, its divide helper from the board\'s libgcc_s', () => {
    const attrs = execFileSync('readelf', ['-A', committed('linux-arm')], { encoding: 'utf8' });
    expect(attrs).toMatch(/Tag_CPU_arch: v6\n/);
    expect(attrs).toMatch(/Tag_THUMB_ISA_use: Thumb-1\n/);
    expect(attrs).toMatch(/Tag_FP_arch: VFPv2\n/);
    expect(attrs).toMatch(/Tag_ABI_VFP_args: VFP registers/);
    expect(execFileSync('readelf', ['-d', committed('linux-arm')], { encoding: 'utf8' })).toContain('libgcc_s.so.1');
  });
});

describe('the packed package (npm pack)', () => {
  let tarball: string;
  let pkg: string;
  beforeAll(() => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
    tarball = join(tmp, packed.map((p) => p.filename)[0] ?? 'npm pack packed nothing');
    // Unpacked as npm would in node_modules/, beside this checkout's dependencies.
    pkg = join(tmp, 'app', 'node_modules', 'rpi-gpio-connector');
    mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  });

  /** The package's install script (npm install's step) on a PATH with node and nothing else: no compiler, no make, no python. */
  const install = (env: Record<string, string> = {}) => {
    const bin = join(tmp, `bin-${Object.keys(env).join('-') || 'plain'}`);
    mkdirSync(bin, { recursive: true });
    if (!existsSync(join(bin, 'node'))) symlinkSync(process.execPath, join(bin, 'node'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    return spawnSync(join(bin, 'node'), ['scripts/build-addon.js'], { cwd: pkg, env: { ...clean, PATH: bin, CC: 'false', ...env }, encoding: 'utf8' });
  };
  /** Which file the package's loader picks, and the addon's functions, in a child with `env`. */
  const load = (env: Record<string, string> = {}) =>
    spawnSync(
      process.execPath,
      ['-e', "const n = require('./dist/adapters/gpio/native/addon.js'); const p = n.nativeAddonPath(); const a = n.loadNativeAddon(); console.log(JSON.stringify({ path: p.right ?? p.left, fns: a._tag === 'Right' ? Object.keys(a.right).length : a.left }))"],
      { cwd: pkg, env: { ...process.env, ...env }, encoding: 'utf8' },
    );

  it('holds the three prebuilt addons, the sources and the install script for a source build, and no build/', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const { dir } of TARGETS) expect(files).toContain(`package/prebuilds/${dir}/${FILE}`);
    expect(files).toEqual(expect.arrayContaining(['package/scripts/build-addon.js', 'package/binding.gyp', 'package/native/uapi_v2.c', 'package/dist/main.js']));
    expect(files.filter((f) => f.startsWith('package/build/'))).toEqual([]);
  });

  it('installs on this machine (linux-x64) with no compiler: the install step takes the prebuilt addon and compiles nothing; the loader picks it', () => {
    const run = install();
    expect(run.stdout).toContain('using the prebuilt GPIO addon prebuilds/linux-x64/gpio_native.napi.glibc.node (nothing to compile)');
    expect(run.status).toBe(0);
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    const loaded = load();
    expect(loaded.stderr).toBe('');
    expect(JSON.parse(loaded.stdout)).toEqual({ path: join(pkg, 'prebuilds', 'linux-x64', FILE), fns: FUNCTIONS });
  });

  it('where no prebuilt addon fits (here: an arch it has none for), the install step goes to a source build, and says so when it cannot', () => {
    const run = install({ npm_config_arch: 'riscv64' });
    expect(run.stdout).toMatch(/no prebuilt GPIO addon fits this machine \(No native build was found for platform=linux arch=riscv64 .*\): building it from source/);
    expect(run.stderr).toMatch(/WARNING: (node-gyp not found|the GPIO addon did not build)/);
    expect(run.status).toBe(0);
    const loaded = load({ npm_config_arch: 'riscv64' });
    expect(JSON.parse(loaded.stdout).fns).toMatch(/^the GPIO addon is not built and no prebuilt one fits this machine \(No native build was found for platform=linux arch=riscv64 .*build-essential/);
  });

  it('a source build, where there is one, is loaded before the prebuilt one (npm install --build-from-source)', () => {
    const release = join(pkg, 'build', 'Release');
    mkdirSync(release, { recursive: true });
    execFileSync('cp', [committed('linux-x64'), join(release, 'gpio_native.node')]);
    try {
      expect(JSON.parse(load().stdout)).toEqual({ path: join(release, 'gpio_native.node'), fns: FUNCTIONS });
    } finally {
      rmSync(join(pkg, 'build'), { recursive: true, force: true });
    }
  });
});
