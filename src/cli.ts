import * as E from 'fp-ts/Either';

export interface Args {
  readonly config: string;
  readonly help: boolean;
}

export const usage = `Usage: node dist/main.js [--config FILE]

  --config FILE   the YAML configuration (default ./config.yaml)
  --help          this text

Logs go to stdout, one JSON object a line; LOG_LEVEL=debug|info|warn|error.
`;

/** The command line: `--config FILE` or `--config=FILE`, and `--help`. */
export const parseArgs = (argv: ReadonlyArray<string>): E.Either<string, Args> => {
  let config = './config.yaml';
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--config' || arg === '-c') {
      const value = argv[i + 1];
      if (value === undefined) return E.left(`${arg} needs a file name`);
      config = value;
      i++;
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else return E.left(`unknown argument: ${arg}`);
  }
  return E.right({ config, help });
};
