import { statSync } from 'node:fs';
import { basename, isAbsolute, relative } from 'node:path';
import * as E from 'fp-ts/Either';
import { parseSeverity, SEVERITIES, type Severity } from './adapters/log/logger';

/** The config file read when no `--config` is given. */
export const DEFAULT_CONFIG = './config.yaml';

export interface Args {
  /** `--config FILE`, if given. */
  readonly config?: string;
  readonly help: boolean;
  readonly version: boolean;
}

/** What the process does: print and exit (help, version, a bad command line), or run. */
export type Start =
  | { readonly _tag: 'Print'; readonly text: string }
  | { readonly _tag: 'Refuse'; readonly text: string }
  | { readonly _tag: 'Run'; readonly config: string; readonly configGiven: boolean; readonly level: Severity };

export const usage = (command: string): string => `Usage: ${command} [--config FILE]

  --config FILE, -c FILE   the YAML configuration (default ${DEFAULT_CONFIG})
  --version, -v            print the version and exit
  --help, -h               this text

Logs go to stdout, one JSON object a line; LOG_LEVEL=${SEVERITIES.join('|')} (default info).
`;

/**
 * The command as the user typed it, for the usage text: `npm start --` under
 * `npm start`, the bin's name (`rpi-gpio-connector`) under npx or a global
 * install, else `node <script>` (relative to the working directory when it is
 * inside it).
 */
export const commandName = (script: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string => {
  if (env['npm_lifecycle_event'] === 'start' && env['npm_package_name'] === 'rpi-gpio-connector') return 'npm start --';
  if (script === undefined) return 'rpi-gpio-connector';
  if (!script.endsWith('.js')) return basename(script);
  const rel = relative(cwd, script);
  return `node ${rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script}`;
};

/** The command line: `--config FILE` (once), `--config=FILE`, `-c FILE`, `--help`, `--version`. */
export const parseArgs = (argv: ReadonlyArray<string>): E.Either<string, Args> => {
  let config: string | undefined;
  let help = false;
  let version = false;
  const setConfig = (arg: string, value: string | undefined): string | undefined => {
    if (value === undefined || value === '') return `${arg} needs a file name`;
    if (config !== undefined) return `--config given twice (${config} and ${value}): give it once`;
    config = value;
    return undefined;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    let problem: string | undefined;
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--version' || arg === '-v') version = true;
    else if (arg === '--config' || arg === '-c') {
      problem = setConfig(arg, argv[i + 1]);
      i++;
    } else if (arg.startsWith('--config=')) problem = setConfig('--config=', arg.slice('--config='.length));
    else problem = `unknown argument: ${arg}`;
    if (problem !== undefined) return E.left(problem);
  }
  return E.right({ ...(config === undefined ? {} : { config }), help, version });
};

/**
 * The start-up decision from the command line and the environment: help and
 * version print and exit 0 (whatever else is wrong); a bad argument or an
 * unknown `LOG_LEVEL` is refused (exit 2) before anything else happens.
 */
export const startFrom = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv, about: { readonly command: string; readonly version: string }): Start => {
  const args = parseArgs(argv);
  if (E.isLeft(args)) return { _tag: 'Refuse', text: `${args.left}\n${usage(about.command)}` };
  if (args.right.help) return { _tag: 'Print', text: usage(about.command) };
  if (args.right.version) return { _tag: 'Print', text: `${about.version}\n` };
  const level = parseSeverity(env['LOG_LEVEL']);
  if (E.isLeft(level)) return { _tag: 'Refuse', text: `${level.left}\n` };
  return { _tag: 'Run', config: args.right.config ?? DEFAULT_CONFIG, configGiven: args.right.config !== undefined, level: level.right };
};

/**
 * The line for a config file that is not there, or undefined when there is
 * something at `path` (whatever it is, the loader says what is wrong with it).
 * A relative path says where it was looked for; the default one also how to
 * name another.
 */
export const missingConfig = (path: string, given: boolean, cwd: string): string | undefined => {
  try {
    if (statSync(path, { throwIfNoEntry: false }) !== undefined) return undefined;
  } catch {
    return undefined; // not ENOENT (EACCES, ENOTDIR): the loader names it
  }
  const hints = [...(isAbsolute(path) ? [] : [`run from ${cwd}`]), ...(given ? [] : ['use --config FILE'])];
  return `no config file at ${path}${hints.length === 0 ? '' : ` (${hints.join('; ')})`}`;
};
