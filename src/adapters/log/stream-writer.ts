/**
 * A log destination that can go away. When the reader of a pipe exits (a log
 * shipper restarts, `| head`), the next write fails with EPIPE, and Node
 * reports it as an `'error'` event on the stream: unhandled, that kills the
 * process. A closed pipe never gets a new reader, so from the first error on
 * the lines are dropped (and counted) and the service keeps running.
 *
 * Under systemd, stdout is a stream socket to journald, which keeps it open
 * across its own restarts (it stores the socket with the service manager), so
 * this path is for pipes and a broken socket, not the normal journal case.
 */
export interface StreamWriter {
  readonly write: (line: string) => void;
  /** Lines dropped since the destination broke; 0 while it works. */
  readonly dropped: () => number;
  /** Why the destination broke (`EPIPE`), or undefined while it works. */
  readonly broken: () => string | undefined;
  /** Resolves once everything written so far has been handed to the OS (or dropped). */
  readonly flush: () => Promise<void>;
}

type Writable = Pick<NodeJS.WriteStream, 'write' | 'on' | 'writableNeedDrain'>;

export const streamWriter = (stream: Writable, onBroken?: (code: string) => void): StreamWriter => {
  let broken: string | undefined;
  let dropped = 0;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (broken !== undefined) return;
    broken = e.code ?? e.message;
    onBroken?.(broken);
  });
  return {
    write: (line) => {
      if (broken !== undefined) {
        dropped += 1;
        return;
      }
      try {
        stream.write(line);
      } catch (e) {
        // A write after the stream was destroyed throws synchronously on some Node versions.
        broken = (e as NodeJS.ErrnoException).code ?? 'write failed';
        dropped += 1;
      }
    },
    dropped: () => dropped,
    broken: () => broken,
    flush: () =>
      new Promise<void>((resolve) => {
        if (broken !== undefined) return resolve();
        try {
          // An empty write's callback runs after every earlier write has completed or failed.
          stream.write('', () => resolve());
        } catch {
          resolve();
        }
      }),
  };
};

let stdoutWriter: StreamWriter | undefined;
let stderrWriter: StreamWriter | undefined;

/** The process's stdout, guarded; made once, since each adds an error listener. */
export const stdout = (): StreamWriter => (stdoutWriter ??= streamWriter(process.stdout, (code) => stderr().write(`stdout closed (${code}): log lines are dropped from now on; the service keeps running\n`)));

/** The process's stderr, guarded the same way. */
export const stderr = (): StreamWriter => (stderrWriter ??= streamWriter(process.stderr));

/**
 * Exits once stdout and stderr have taken every line written so far.
 * `process.exit` alone drops what is still buffered for a pipe: with ten
 * thousand config problems most lines never reached the reader.
 */
export const exitFlushed = async (code: number): Promise<never> => {
  // A reader that never reads (but keeps the pipe open) must not keep the process forever.
  const limit = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_LIMIT_MS).unref());
  await Promise.race([Promise.all([stdout().flush(), stderr().flush()]), limit]);
  process.exit(code);
};

/** How long an exit waits for a stalled log reader. */
const FLUSH_LIMIT_MS = 10_000;
