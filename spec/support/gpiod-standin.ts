/**
 * A stand-in libgpiod.so.2 (libgpiod 1.6) for machines without a GPIO chip:
 * node-libgpiod, started in a child process with `env()`, loads it instead of
 * Debian's library and sees the chips of a state file that this class reads
 * and changes. Layout and emulated semantics: gpiod-standin/README.md.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface StandinChipSpec {
  name: string;
  label: string;
  lines: number;
  access?: 'ok' | 'denied';
  bias?: boolean;
  /** Line names (`gpiod_line_name`, `new Line(chip, 'GPIO17')`); unnamed when missing. */
  lineNames?: ReadonlyArray<string | undefined>;
}

export interface StandinFlags {
  activeLow: boolean;
  biasPullUp: boolean;
  biasPullDown: boolean;
  biasDisable: boolean;
  openDrain: boolean;
  openSource: boolean;
}

export interface StandinLine {
  chip: string;
  offset: number;
  /** Physical level. */
  level: 0 | 1;
  /** From a request until its clean release; stays true when the owner died. */
  requested: boolean;
  /** Consumer of the last request; cleared on a clean release. */
  consumer: string;
  /** Process of the last request; kept after the release. */
  ownerPid: number;
  /** Whether ownerPid is alive: the kernel's "held" is `requested && ownerAlive`. */
  ownerAlive: boolean;
  /** Direction of the last request ('none' before any; an event request is an input). */
  direction: 'input' | 'output' | 'as-is' | 'none';
  /** Which edges the last request asked events for ('none': a request for values). */
  events: 'none' | 'rising' | 'falling' | 'both';
  /** Events the last event request's queue took, and those it dropped because it was full (16). */
  queued: number;
  dropped: number;
  /** The kernel's direction: output since the last output request, input since an input request. */
  output: boolean;
  /** Flags of the last request. */
  flags: StandinFlags;
  /** Logical default value of the last output request. */
  defaultValue: 0 | 1;
  /** Request handle id of the last request: lines of one request share it. */
  handle: number;
  requests: number;
  releases: number;
  /** Times the kernel sampled the line for a reader (every line of the handle read). */
  reads: number;
  /** Times the kernel set the line (every line of the handle written). */
  writes: number;
  name: string;
}

// ---- state file layout (keep in sync with gpiod-standin/libgpiod.c) ----
const MAGIC = 'GPIOSTD1';
const VERSION = 2;
const HEADER_SIZE = 64;
const MAX_LINES = 64;
const LINE_SIZE = 128;
const CHIP_HEADER_SIZE = 128;
const CHIP_SIZE = CHIP_HEADER_SIZE + MAX_LINES * LINE_SIZE;
const NAME_LEN = 32;

const Header = { chips: 12, chipSize: 16, lineSize: 20, bulkCalls: 24, bulkLines: 32, singleCalls: 40 } as const;
const Chip = { name: 0, label: 32, lines: 64, denied: 68, bias: 69 } as const;
const Line = {
  level: 0, requested: 1, reqType: 2, isOut: 3, defaultValue: 4, pull: 5, flags: 8, ownerPid: 12, handle: 16,
  requests: 20, releases: 24, fault: 28, reads: 32, writes: 40, name: 48, consumer: 80, evQueued: 112, evDropped: 116,
} as const;

/** GPIOD_LINE_REQUEST_FLAG_* of libgpiod 1.6. */
export const RequestFlag = {
  OPEN_DRAIN: 1, OPEN_SOURCE: 2, ACTIVE_LOW: 4, BIAS_DISABLE: 8, BIAS_PULL_DOWN: 16, BIAS_PULL_UP: 32,
} as const;

/** GPIOD_LINE_REQUEST_* of libgpiod 1.6, by value: direction, and the edges of an event request. */
const DIRECTIONS = ['none', 'as-is', 'input', 'output', 'input', 'input', 'input'] as const;
const EVENTS = ['none', 'none', 'none', 'none', 'falling', 'rising', 'both'] as const;

/** What the drive tool did: level changes, events queued and dropped, CLOCK_MONOTONIC ns of the first and last change. */
export interface DriveResult {
  edges: number;
  queued: number;
  dropped: number;
  firstNs: bigint;
  lastNs: bigint;
}

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = path.join(__dirname, 'gpiod-standin', 'libgpiod.c');
const TOOL_SOURCE = path.join(__dirname, 'gpiod-standin', 'drive.c');
/** The drive tool's file name in the build directory. */
const TOOL = 'gpiod-standin-drive';
const BUILD_ROOT = path.join(ROOT, '.tmp', 'gpiod-standin');
const CFLAGS = [
  '-std=gnu11', '-shared', '-fPIC', '-O2', '-g', '-fvisibility=hidden',
  '-Wall', '-Wextra', '-Werror', '-Wl,-soname,libgpiod.so.2', '-Wl,-z,defs',
];
const TOOL_CFLAGS = ['-std=gnu11', '-O2', '-g', '-Wall', '-Wextra', '-Werror'];

let built: Promise<string> | undefined;

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

async function compile(): Promise<string> {
  const cc = process.env.CC || 'cc';
  const source = await fs.promises.readFile(SOURCE);
  const toolSource = await fs.promises.readFile(TOOL_SOURCE);
  const key = createHash('sha256')
    .update(cc).update('\0').update(CFLAGS.join(' ')).update('\0').update(TOOL_CFLAGS.join(' ')).update('\0')
    .update(source).update('\0').update(toolSource)
    .digest('hex');
  const dir = path.join(BUILD_ROOT, key.slice(0, 16));
  const lib = path.join(dir, 'libgpiod.so.2');
  if (fs.existsSync(lib)) return dir;

  await fs.promises.mkdir(dir, { recursive: true });
  // Build beside the target and rename: parallel jest workers may race here.
  const tmp = path.join(dir, `.build-${process.pid}-${randomBytes(4).toString('hex')}.so`);
  const tmpTool = `${tmp}.tool`;
  try {
    await run(cc, [...CFLAGS, '-o', tmp, SOURCE]);
    await run(cc, [...TOOL_CFLAGS, '-o', tmpTool, TOOL_SOURCE]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        `gpiod-standin: cannot build the stand-in libgpiod.so.2: the C compiler "${cc}" was not found on PATH ` +
          '(install one, e.g. apt-get install gcc, or set CC)',
        { cause: e },
      );
    }
    const hint = fs.existsSync('/usr/include/gpiod.h') ? '' : ' (/usr/include/gpiod.h is missing: apt-get install libgpiod-dev)';
    throw new Error(`gpiod-standin: "${cc}" failed to build ${SOURCE}${hint}:\n${err.stderr ?? err.message}`, { cause: e });
  }
  // The library last: its presence means both are built.
  await fs.promises.rename(tmpTool, path.join(dir, TOOL));
  await fs.promises.rename(tmp, lib);
  return dir;
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 || end > at + NAME_LEN ? at + NAME_LEN : end);
}

function nameField(value: string, what: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > NAME_LEN - 1) throw new Error(`gpiod-standin: ${what} "${value}" is longer than ${NAME_LEN - 1} bytes`);
  const field = Buffer.alloc(NAME_LEN);
  bytes.copy(field);
  return field;
}

/** Whether a process is alive as the kernel sees it: a zombie has closed its files. */
export function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

export class GpiodStandin {
  private closed = false;

  private constructor(
    private readonly dir: string,
    readonly stateFile: string,
    private readonly libDir: string,
    private readonly chips: ReadonlyArray<StandinChipSpec>,
    private readonly fd: number,
  ) {}

  /**
   * Compiles the library once per test run (cached under .tmp/gpiod-standin/,
   * rebuilt when the C source changes). Returns the directory of libgpiod.so.2.
   */
  static build(): Promise<string> {
    built ??= compile();
    return built;
  }

  /** A fresh state file in a temp dir with these chips, all lines free at level 0. */
  static async create(chips: ReadonlyArray<StandinChipSpec>): Promise<GpiodStandin> {
    const libDir = await GpiodStandin.build();
    const names = new Set<string>();
    for (const c of chips) {
      if (names.has(c.name)) throw new Error(`gpiod-standin: chip ${c.name} given twice`);
      names.add(c.name);
      if (!Number.isInteger(c.lines) || c.lines < 1 || c.lines > MAX_LINES) {
        throw new Error(`gpiod-standin: chip ${c.name} has ${c.lines} lines; 1 to ${MAX_LINES} are supported`);
      }
    }

    const buf = Buffer.alloc(HEADER_SIZE + chips.length * CHIP_SIZE);
    buf.write(MAGIC, 0, 'latin1');
    buf.writeUInt32LE(VERSION, 8);
    buf.writeUInt32LE(chips.length, Header.chips);
    buf.writeUInt32LE(CHIP_SIZE, Header.chipSize);
    buf.writeUInt32LE(LINE_SIZE, Header.lineSize);
    chips.forEach((c, i) => {
      const at = HEADER_SIZE + i * CHIP_SIZE;
      nameField(c.name, 'chip name').copy(buf, at + Chip.name);
      nameField(c.label, 'chip label').copy(buf, at + Chip.label);
      buf.writeUInt32LE(c.lines, at + Chip.lines);
      buf[at + Chip.denied] = c.access === 'denied' ? 1 : 0;
      buf[at + Chip.bias] = c.bias === false ? 0 : 1;
      (c.lineNames ?? []).forEach((n, j) => {
        if (n !== undefined && j < c.lines) nameField(n, 'line name').copy(buf, at + CHIP_HEADER_SIZE + j * LINE_SIZE + Line.name);
      });
    });

    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gpiod-standin-'));
    const stateFile = path.join(dir, 'state');
    await fs.promises.writeFile(stateFile, buf);
    return new GpiodStandin(dir, stateFile, libDir, chips, fs.openSync(stateFile, 'r+'));
  }

  /** Env for a child process: LD_LIBRARY_PATH (prepended) and GPIOD_STANDIN_STATE. */
  env(): Record<string, string> {
    const inherited = process.env.LD_LIBRARY_PATH;
    return {
      LD_LIBRARY_PATH: inherited ? `${this.libDir}:${inherited}` : this.libDir,
      GPIOD_STANDIN_STATE: this.stateFile,
    };
  }

  line(chip: string, offset: number): StandinLine {
    const buf = Buffer.alloc(LINE_SIZE);
    fs.readSync(this.fd, buf, 0, LINE_SIZE, this.lineAt(chip, offset));
    const flags = buf.readUInt32LE(Line.flags);
    const ownerPid = buf.readInt32LE(Line.ownerPid);
    return {
      chip,
      offset,
      level: (buf[Line.level]! & 1) as 0 | 1,
      requested: buf[Line.requested] !== 0,
      consumer: cString(buf, Line.consumer),
      ownerPid,
      ownerAlive: pidAlive(ownerPid),
      direction: DIRECTIONS[buf[Line.reqType]!] ?? 'input',
      events: EVENTS[buf[Line.reqType]!] ?? 'none',
      queued: buf.readUInt32LE(Line.evQueued),
      dropped: buf.readUInt32LE(Line.evDropped),
      output: buf[Line.isOut] !== 0,
      flags: {
        activeLow: (flags & RequestFlag.ACTIVE_LOW) !== 0,
        biasPullUp: (flags & RequestFlag.BIAS_PULL_UP) !== 0,
        biasPullDown: (flags & RequestFlag.BIAS_PULL_DOWN) !== 0,
        biasDisable: (flags & RequestFlag.BIAS_DISABLE) !== 0,
        openDrain: (flags & RequestFlag.OPEN_DRAIN) !== 0,
        openSource: (flags & RequestFlag.OPEN_SOURCE) !== 0,
      },
      defaultValue: (buf[Line.defaultValue]! & 1) as 0 | 1,
      handle: buf.readUInt32LE(Line.handle),
      requests: buf.readUInt32LE(Line.requests),
      releases: buf.readUInt32LE(Line.releases),
      reads: Number(buf.readBigUInt64LE(Line.reads)),
      writes: Number(buf.readBigUInt64LE(Line.writes)),
      name: cString(buf, Line.name),
    };
  }

  lines(chip: string): StandinLine[] {
    const spec = this.chip(chip);
    return Array.from({ length: spec.lines }, (_, offset) => this.line(chip, offset));
  }

  /**
   * Sets a line's level from outside, as a button, a sensor or gpio-sim's
   * `pull` attribute would: the line's pull, and its level unless it is a
   * requested output, whose level its holder drives (one byte each, seen at once).
   */
  setLevel(chip: string, offset: number, level: 0 | 1): void {
    const at = this.lineAt(chip, offset);
    const state = Buffer.alloc(4);
    fs.readSync(this.fd, state, 0, 4, at);
    // A line with an event request: the C drive tool stamps and queues the edge (see README.md, "Edge events").
    if (state[Line.requested] !== 0 && (state[Line.reqType] ?? 0) >= 4) {
      this.drive(chip, offset, level);
      return;
    }
    const byte = Buffer.from([level ? 1 : 0]);
    fs.writeSync(this.fd, byte, 0, 1, at + Line.pull);
    if (!(state[Line.requested] !== 0 && state[Line.isOut] !== 0)) fs.writeSync(this.fd, byte, 0, 1, at + Line.level);
  }

  /**
   * Pulls a line `count` times, starting at `level` and alternating,
   * `intervalUs` apart (0: as fast as the stand-in can), through the C drive
   * tool: each change of an undriven line's level is an edge, stamped and
   * queued (or dropped, the queue full) for the line's event request.
   */
  drive(chip: string, offset: number, level: 0 | 1, count = 1, intervalUs = 0): DriveResult {
    const { file, args, env } = this.driveCommand(chip, offset, level, count, intervalUs);
    return parseDrive(execFileSync(file, args, { env: { ...process.env, ...env }, encoding: 'utf8' }));
  }

  /** `pulses` pulses away from the line's level and back (2 × pulses edges), as fast as the stand-in can. */
  burst(chip: string, offset: number, pulses: number, intervalUs = 0): DriveResult {
    const from = this.line(chip, offset).level;
    return this.drive(chip, offset, from === 1 ? 0 : 1, 2 * pulses, intervalUs);
  }

  /** The drive tool's command line, to run it from another process (one whose event loop it should block, say). */
  driveCommand(chip: string, offset: number, level: 0 | 1, count = 1, intervalUs = 0): { file: string; args: string[]; env: Record<string, string> } {
    this.lineAt(chip, offset);
    return {
      file: path.join(this.libDir, TOOL),
      args: [chip, String(offset), String(level), String(count), String(intervalUs)],
      env: { GPIOD_STANDIN_STATE: this.stateFile },
    };
  }

  /**
   * Marks a line as held by another program (owner = this test process, which
   * is alive). Call it while no child is requesting that line: the fields are
   * written one after the other, "requested" last.
   */
  /**
   * Makes every value read or write through the handle holding this line fail
   * with `errno` (e.g. os.constants.errno.EIO), as a failing device would; 0 heals it.
   */
  fault(chip: string, offset: number, errno: number): void {
    const buf = Buffer.alloc(4);
    buf.writeUInt32LE(errno);
    fs.writeSync(this.fd, buf, 0, 4, this.lineAt(chip, offset) + Line.fault);
  }

  hold(chip: string, offset: number, consumer: string): void {
    const at = this.lineAt(chip, offset);
    fs.writeSync(this.fd, nameField(consumer, 'consumer'), 0, NAME_LEN, at + Line.consumer);
    const ids = Buffer.alloc(8);
    ids.writeInt32LE(process.pid, 0);
    ids.writeUInt32LE(0, 4); // no handle of any stand-in process
    fs.writeSync(this.fd, ids, 0, 8, at + Line.ownerPid);
    fs.writeSync(this.fd, Buffer.from([1]), 0, 1, at + Line.requested);
    fs.appendFileSync(`${this.stateFile}.log`, `hold chip=${chip} offset=${offset} pid=${process.pid} consumer=${consumer}\n`);
  }

  /** gpiod_line_get_value_bulk() calls and the values they returned. */
  bulkReads(): { calls: number; lines: number } {
    const buf = this.header();
    return { calls: Number(buf.readBigUInt64LE(Header.bulkCalls)), lines: Number(buf.readBigUInt64LE(Header.bulkLines)) };
  }

  /** gpiod_line_get_value() calls. */
  singleReads(): number {
    return Number(this.header().readBigUInt64LE(Header.singleCalls));
  }

  /** The event log, one entry per request, release and set (see README.md). */
  events(): string[] {
    try {
      return fs.readFileSync(`${this.stateFile}.log`, 'utf8').split('\n').filter((l) => l !== '');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** Removes the temp dir. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  private header(): Buffer {
    const buf = Buffer.alloc(HEADER_SIZE);
    fs.readSync(this.fd, buf, 0, HEADER_SIZE, 0);
    return buf;
  }

  private chip(name: string): StandinChipSpec & { index: number } {
    const index = this.chips.findIndex((c) => c.name === name);
    const spec = this.chips[index];
    if (!spec) throw new Error(`gpiod-standin: no chip ${name} (chips: ${this.chips.map((c) => c.name).join(', ')})`);
    return { ...spec, index };
  }

  private lineAt(chip: string, offset: number): number {
    const spec = this.chip(chip);
    if (!Number.isInteger(offset) || offset < 0 || offset >= spec.lines) {
      throw new Error(`gpiod-standin: ${chip} has no line ${offset} (it has ${spec.lines})`);
    }
    return HEADER_SIZE + spec.index * CHIP_SIZE + CHIP_HEADER_SIZE + offset * LINE_SIZE;
  }
}

/** The drive tool's JSON line. */
export function parseDrive(stdout: string): DriveResult {
  const r = JSON.parse(stdout) as { edges: number; queued: number; dropped: number; firstNs: string; lastNs: string };
  return { ...r, firstNs: BigInt(r.firstNs), lastNs: BigInt(r.lastNs) };
}

export interface StandinRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a snippet of JS in a child node process with the stand-in loaded
 * (cwd = the repo, so `require('node-libgpiod')` resolves). Killed with
 * SIGKILL after timeoutMs.
 */
export function runWithStandin(standin: GpiodStandin, script: string, timeoutMs = 10_000): Promise<StandinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { ...process.env, ...standin.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
