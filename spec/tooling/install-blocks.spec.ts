import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README's install blocks, one per OS, are what scripts/check-arm-install.sh runs as
// written in a userland of that release and arch (it is not run by npm test: it debootstraps
// under emulation). Here: that each block is where the script looks for it, and that the
// script's default targets are exactly the README's.
const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const script = readFileSync(join(ROOT, 'scripts', 'check-arm-install.sh'), 'utf8');
const OSES = ['trixie-arm64', 'trixie-armhf', 'bookworm-arm64', 'bookworm-armhf'];

/** The sh block right after `<!-- install-block: name -->`, as the script's awk reads it. */
const block = (name: string): string | undefined => {
  const at = readme.indexOf(`<!-- install-block: ${name} -->\n`);
  if (at < 0) return undefined;
  const m = /^```sh\n([\s\S]*?)\n```$/m.exec(readme.slice(at));
  return m?.[1];
};

describe('README install blocks', () => {
  it.each(OSES)('%s: a block that installs its packages with apt', (os) => {
    const b = block(os);
    expect(b).toBeDefined();
    expect(b).toMatch(/^sudo apt install .*\bgpiod\b.*\bgit\b/m);
    if (os.startsWith('trixie')) expect(b).toMatch(/\bnodejs npm\b/);
    // Bookworm's nodejs is 18: the block must not install it.
    else expect(b).not.toMatch(/^[^#]*\bnodejs\b/m);
  });

  it('the service block clones, installs and builds before deploy/install.sh', () => {
    const b = block('service') ?? '';
    const lines = b.split('\n');
    expect(lines[0]).toBe('sudo git clone <this repository> /opt/rpi-gpio-connector');
    const build = lines.findIndex((l) => l.includes('npm run build'));
    expect(build).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.includes('deploy/install.sh'))).toBeGreaterThan(build);
  });

  it("check-arm-install.sh's default targets are the README's blocks", () => {
    const m = /^targets=\$\{\*:-([^}]*)\}$/m.exec(script);
    expect(m?.[1]?.split(' ')).toEqual(OSES);
    const marked = [...readme.matchAll(/<!-- install-block: ([a-z0-9-]+) -->/g)].map((x) => x[1]);
    expect(marked).toEqual([...OSES, 'service']);
  });
});
