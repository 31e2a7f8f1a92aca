import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/service';

/**
 * A temp project outside the repository that has this package installed as
 * a user would have it (node_modules/rpi-gpio-connector, here a link to the
 * repository: its package.json "exports" decide what resolves), with rxjs,
 * fp-ts and @types/node beside it. Removed by the returned function.
 */
export function userProject(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-user-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(ROOT, join(modules, 'rpi-gpio-connector'), 'dir');
  for (const dep of ['rxjs', 'fp-ts', '@types/node']) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
