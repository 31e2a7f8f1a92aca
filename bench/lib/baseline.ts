/**
 * `--baseline REV`: an earlier commit built on the side, so that figures can
 * measure it (before) next to the working tree (after) in the same run.
 * What the build needs (`git archive REV src tsconfig.json package.json`) goes
 * to .tmp/bench-baseline/<full sha>/, the repo's node_modules is linked in,
 * and the repo's TypeScript compiles it to <dir>/dist. A finished build is reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './procs';

export interface Baseline {
  /** As given to --baseline. */
  readonly rev: string;
  readonly sha: string;
  readonly short: string;
  readonly subject: string;
  /** <dir>/dist: the baseline's compiled modules. */
  readonly dist: string;
  /** <dir>/dist/main.js: the baseline's service. */
  readonly main: string;
}

const BUILD_INPUTS = ['src', 'tsconfig.json', 'package.json'];
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Runs a command in the repo; on failure, throws `what` with the command's output. */
const run = (what: string, file: string, args: string[], input?: Buffer): Buffer => {
  try {
    return execFileSync(file, args, { cwd: ROOT, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
    const output = `${String(stdout ?? '')}${String(stderr ?? '')}`.trim();
    throw new Error(output === '' ? what : `${what}:\n${output}`, { cause: e });
  }
};

/** The baseline as a reader sees it, in markdown: `46c7699` "its commit subject". */
export const describeBaseline = (b: Baseline): string => `\`${b.short}\` "${b.subject}"`;

/** Builds REV (or finds its earlier build); throws a clear error if REV is unknown or does not build. */
export const buildBaseline = (rev: string, log: (message: string) => void): Baseline => {
  const sha = run(`--baseline ${rev}: not a commit of this repository`, 'git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])
    .toString()
    .trim();
  const git = (args: string[]) => run(`git ${args.join(' ')}`, 'git', args).toString().trim();
  const short = git(['rev-parse', '--short', sha]);
  const subject = git(['show', '-s', '--format=%s', sha]);
  const dir = join(ROOT, '.tmp', 'bench-baseline', sha);
  const baseline: Baseline = { rev, sha, short, subject, dist: join(dir, 'dist'), main: join(dir, 'dist', 'main.js') };
  const built = join(dir, '.built'); // written last: tsc emits even when it reports errors
  if (existsSync(built)) {
    log(`baseline ${short}: reusing the build in ${dir}`);
    return baseline;
  }

  log(`baseline ${short} (${subject}): building in ${dir}`);
  rmSync(dir, { recursive: true, force: true }); // an unfinished earlier attempt
  mkdirSync(dir, { recursive: true });
  const tar = run(`--baseline ${rev}: git archive of ${BUILD_INPUTS.join(', ')} failed`, 'git', ['archive', '--format=tar', sha, '--', ...BUILD_INPUTS]);
  run(`--baseline ${rev}: unpacking its archive failed`, 'tar', ['-x', '-C', dir], tar);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  run(`--baseline ${rev} (${short}) does not build`, process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]);
  if (!existsSync(baseline.main)) throw new Error(`--baseline ${rev} (${short}): the build has no ${baseline.main}`);
  writeFileSync(built, `${sha}\n`);
  return baseline;
};
