import * as E from 'fp-ts/Either';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon, nativeAddonPath, type NativeAddon, type ReaderHandle, type ReaderRecord } from '../../src/adapters/gpio/native/addon';

// Our GPIO addon (native/) on its own, on a machine without a GPIO chip: how
// it loads, how it fails, and its reader thread. scripts/addon-sanitize.sh
// runs this spec against builds under AddressSanitizer with UBSan, and under
// ThreadSanitizer. What it
// does on real lines is proven on the kernel's gpio-sim by `npm run
// test:hardware` (spec/contract, spec/kernel).

/** The file the loader picks (a source build, or the prebuilt one for this platform). */
const ADDON_PATH = E.getOrElse((why: string): string => {
  throw new Error(why);
})(nativeAddonPath());

/**
 * The addon's threads, by id: the ones a call started are those new right
 * after it (pthread_create returns with the thread in /proc), and they are
 * checked gone by id later. Not by counting the process's threads: Node
 * starts threads of its own at any time (libuv's pool, V8's helpers), and a
 * count taken after an await may see one of them (CI did).
 */
const threadWatch = {
  tids: (): Set<string> => new Set(readdirSync('/proc/self/task')),
  started: (before: ReadonlySet<string>): string[] => readdirSync('/proc/self/task').filter((t) => !before.has(t)),
  gone: (tid: string): boolean => !existsSync(`/proc/self/task/${tid}`),
};

describe('the addon', () => {
  it('builds and loads with npm install (no libgpiod needed)', () => {
    const addon = loadNativeAddon();
    expect(E.isRight(addon) ? Object.keys(addon.right).sort() : addon.left).toEqual(
      [
        'chipInfo', 'close', 'getValues', 'lgFds', 'lgGetValue', 'lgReadEvents', 'lgRelease', 'lgRequestEdges', 'lineInfo',
        'pwmClose', 'pwmOpen', 'pwmSet', 'pwmStop',
        'readEvents', 'readerStart', 'readerStop', 'readerTake', 'request', 'setValues',
      ],
    );
    // libgpiod 1.x's event functions (lg*) are dlopen()ed when first used, never linked.
    const needed = execFileSync('readelf', ['-d', ADDON_PATH], { encoding: 'utf8' });
    expect(needed).toContain('(NEEDED)');
    expect(needed).not.toMatch(/libgpiod/);
  });
});

// The reader thread over FIFOs that carry the kernel's own records, as the
// libgpiod stand-in's event fds do: what it reads, in which order, how it
// marks a full uAPI v1 queue, and how it fails and stops.
describe('the addon\'s reader thread', () => {
  const addon = (() => {
    const loaded = loadNativeAddon();
    if (E.isLeft(loaded)) throw new Error(loaded.left);
    return loaded.right as NativeAddon;
  })();
  let dir: string;
  const fds: number[] = [];
  const readers: ReaderHandle[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reader-'));
  });
  afterEach(() => {
    // The thread ends before its fds are closed.
    readers.splice(0).forEach((r) => addon.readerStop(r));
    fds.splice(0).forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });
  /** A FIFO opened read-write: never an end of file, as a kernel event fd. */
  const fifo = (name: string): number => {
    execFileSync('mkfifo', [join(dir, name)]);
    const fd = openSync(join(dir, name), constants.O_RDWR);
    fds.push(fd);
    return fd;
  };
  /** struct gpioevent_data: u64 timestamp, u32 id (1 rising, 2 falling), padding. */
  const v1 = (ts: number, rising: boolean): Buffer => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(ts));
    b.writeUInt32LE(rising ? 1 : 2, 8);
    return b;
  };
  /** struct gpio_v2_line_event: u64 timestamp_ns, u32 id, offset, seqno, line_seqno, 6 u32 of padding. */
  const v2 = (ts: number, rising: boolean, offset: number, seqno: number): Buffer => {
    const b = Buffer.alloc(48);
    b.writeBigUInt64LE(BigInt(ts));
    b.writeUInt32LE(rising ? 1 : 2, 8);
    b.writeUInt32LE(offset, 12);
    b.writeUInt32LE(seqno, 16);
    b.writeUInt32LE(seqno, 20);
    return b;
  };
  const start = (fdList: number[], offsets: number[], format: 1 | 2) => {
    let wakes = 0;
    const reader = addon.readerStart(fdList, offsets, format, () => void (wakes += 1));
    readers.push(reader);
    return { reader, wakes: () => wakes };
  };
  /** Takes until `count` records came (the thread reads on its own; JS only waits). */
  const takeAll = async (reader: ReaderHandle, count: number): Promise<ReaderRecord[]> => {
    const got: ReaderRecord[] = [];
    for (const deadline = Date.now() + 5000; got.length < count && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 5));
      got.push(...addon.readerTake(reader));
    }
    await new Promise((r) => setTimeout(r, 50));
    return [...got, ...addon.readerTake(reader)];
  };
  const { tids, started, gone } = threadWatch;

  it('reads uAPI v1 records of every fd with one thread, each with its fd\'s offset, and wakes the event loop', async () => {
    const a = fifo('a');
    const b = fifo('b');
    const before = tids();
    const { reader, wakes } = start([a, b], [5, 9], 1);
    const mine = started(before);
    expect(mine).toHaveLength(1);
    writeSync(a, Buffer.concat([v1(100, true), v1(300, false)]));
    writeSync(b, v1(200, true));
    const got = await takeAll(reader, 3);
    expect(got.map((r) => [r.offset, Number(r.timestampNs), r.rising, r.full]).sort((x, y) => (x[1] as number) - (y[1] as number))).toEqual([
      [5, 100, true, false],
      [9, 200, true, false],
      [5, 300, false, false],
    ]);
    expect(wakes()).toBeGreaterThan(0);
    addon.readerStop(reader);
    addon.readerStop(reader); // idempotent
    expect(mine.filter(gone)).toEqual(mine);
  });

  it('marks a uAPI v1 read of 16 records (the queue was full: what came next was dropped) after them', async () => {
    const fd = fifo('full');
    const { reader } = start([fd], [7], 1);
    writeSync(fd, Buffer.concat(Array.from({ length: 16 }, (_, i) => v1(i + 1, i % 2 === 0))));
    const got = await takeAll(reader, 17);
    expect(got).toHaveLength(17);
    expect(got.slice(0, 16).every((r) => !r.full && r.offset === 7)).toBe(true);
    expect(got[16]).toMatchObject({ offset: 7, full: true });
    // 15 at once is not a full queue.
    writeSync(fd, Buffer.concat(Array.from({ length: 15 }, (_, i) => v1(100 + i, i % 2 === 0))));
    expect((await takeAll(reader, 15)).filter((r) => r.full)).toEqual([]);
  });

  it('reads uAPI v2 line events with their offsets and sequence numbers, in order', async () => {
    const fd = fifo('v2');
    const { reader } = start([fd], [0], 2);
    const events = Array.from({ length: 100 }, (_, i) => v2(1000 + i, i % 2 === 0, i % 3, i + 1));
    writeSync(fd, Buffer.concat(events));
    const got = await takeAll(reader, 100);
    expect(got.map((r) => [r.offset, r.seqno, r.rising, Number(r.timestampNs)])).toEqual(
      Array.from({ length: 100 }, (_, i) => [i % 3, i + 1, i % 2 === 0, 1000 + i]),
    );
    expect(got.some((r) => r.full)).toBe(false);
  });

  it('reads the requests of several chips in one thread: each record names the fd it came from (line 3 of one chip is not line 3 of the other)', async () => {
    const header = fifo('chip-a');
    const expander = fifo('chip-b');
    const before = tids();
    const { reader } = start([header, expander], [0, 0], 2);
    const mine = started(before);
    expect(mine).toHaveLength(1);
    writeSync(header, Buffer.concat([v2(100, true, 3, 1), v2(300, false, 3, 2)]));
    writeSync(expander, Buffer.concat([v2(200, true, 3, 1)]));
    const got = await takeAll(reader, 3);
    expect(got.map((r) => [r.source, r.offset, r.seqno, r.rising, Number(r.timestampNs)]).sort((x, y) => (x[4] as number) - (y[4] as number))).toEqual([
      [0, 3, 1, true, 100],
      [1, 3, 1, true, 200],
      [0, 3, 2, false, 300],
    ]);
    addon.readerStop(reader);
    expect(mine.filter(gone)).toEqual(mine);
  });

  it('hands on what it read before a failure, then throws the failure (errno code) and stops', async () => {
    const fd = fifo('bad');
    const before = tids();
    const { reader } = start([fd], [4], 1);
    const mine = started(before);
    expect(mine).toHaveLength(1);
    writeSync(fd, v1(1, true));
    await new Promise((r) => setTimeout(r, 50)); // read by the thread, not yet taken
    writeSync(fd, Buffer.alloc(5)); // part of a record: libgpiod's EIO
    for (const deadline = Date.now() + 5000; !mine.every(gone) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(addon.readerTake(reader)).toEqual([expect.objectContaining({ offset: 4, rising: true })]);
    expect(() => addon.readerTake(reader)).toThrow(expect.objectContaining({ code: 'EIO', syscall: 'read' }));
    expect(mine.filter(gone)).toEqual(mine); // the thread ended by itself
    addon.readerStop(reader);
  });

  it('a full buffer (2^18 records not taken) wakes JS before the thread waits for room, so it goes on once JS takes', async () => {
    // 64 FIFOs of 4096 v1 records each (64 KiB, a pipe's default size), written before the thread starts: its first round
    // reads 2^18 records and meets the limit inside it, having told JS of none of them yet.
    const record = v1(1, true);
    const fill = Buffer.concat(Array.from({ length: 4096 }, () => record));
    const list = Array.from({ length: 64 }, (_, i) => {
      const fd = fifo(`full-${i}`);
      expect(writeSync(fd, fill)).toBe(fill.length);
      return fd;
    });
    let taken = 0;
    let marks = 0;
    const reader = addon.readerStart(list, list.map((_, i) => i), 1, () => {
      for (const r of addon.readerTake(reader)) {
        if (r.full) marks += 1;
        else taken += 1;
      }
    });
    readers.push(reader);
    for (const deadline = Date.now() + 50_000; taken + marks < 64 * 4097 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    // Every record, and each fd's read of 16 marked as a full uAPI v1 queue.
    expect({ taken, marks }).toEqual({ taken: 64 * 4096, marks: 64 });
  }, 60_000);

  it('refuses bad arguments before starting anything', () => {
    const before = tids();
    expect(() => addon.readerStart([], [], 1, () => undefined)).toThrow(/1 to 64 fds/);
    expect(() => addon.readerStart([fifo('x')], [1, 2], 1, () => undefined)).toThrow(/one length/);
    expect(() => addon.readerStart([fifo('y')], [1], 3 as 1, () => undefined)).toThrow(/format/);
    expect(() => addon.readerStart([999_999], [1], 1, () => undefined)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(started(before)).toEqual([]);
  });
});

describe('the addon\'s arguments and errors', () => {
  const addon = (() => {
    const loaded = loadNativeAddon();
    if (E.isLeft(loaded)) throw new Error(loaded.left);
    return loaded.right as NativeAddon;
  })();

  it('refuses a string longer than its buffer instead of cutting it short', () => {
    // A path of 5000 bytes (the buffer holds 4095): cut, it would have opened another file.
    expect(() => addon.chipInfo(`/dev/${'x'.repeat(5000)}`)).toThrow(expect.objectContaining({ name: 'RangeError', message: expect.stringMatching(/5005 bytes where at most 4095 fit/) }));
    // The kernel's consumer name holds 31 bytes.
    expect(() => addon.request('/dev/null', [0], 'c'.repeat(32), 0, [], 0)).toThrow(/32 bytes where at most 31 fit/);
    expect(() => addon.lgRequestEdges('gpiochip0', [0], [0], 'c'.repeat(32))).toThrow(/32 bytes where at most 31 fit/);
    // One that fits reaches the system call.
    expect(() => addon.request('/nonexistent/gpiochip0', [0], 'c'.repeat(31), 0, [], 0)).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
  });

  it('names every errno as libuv (and Node) does, not only a known few', () => {
    // ENOTDIR and ENAMETOOLONG were EUNKNOWN when the addon kept its own list of 14.
    expect(() => addon.chipInfo('/etc/passwd/gpiochip0')).toThrow(
      expect.objectContaining({ code: 'ENOTDIR', errno: -20, syscall: 'open', path: '/etc/passwd/gpiochip0', message: 'ENOTDIR: Not a directory, /etc/passwd/gpiochip0' }),
    );
    expect(() => addon.lineInfo(`/tmp/${'n'.repeat(300)}`, 0)).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG', syscall: 'open' }));
    expect(() => addon.getValues(999_999, 1)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'ioctl GPIO_V2_LINE_GET_VALUES' }));
    // All 64 lines of a request (the mask of every bit).
    expect(() => addon.getValues(999_999, 64)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'ioctl GPIO_V2_LINE_GET_VALUES' }));
  });

  it('throws a TypeError, never a crash, for arguments of the wrong type', () => {
    expect(() => addon.request('/dev/null', 5 as unknown as number[], 'c', 0, [], 0)).toThrow(expect.objectContaining({ name: 'TypeError', message: 'gpio_native: offsets must be an array' }));
    expect(() => addon.request('/dev/null', [0], 'c', 0, [{ indices: 'x' } as unknown as { indices: number[]; flags: number }], 0)).toThrow(/indices must be an array/);
    expect(() => addon.chipInfo(5 as unknown as string)).toThrow(expect.objectContaining({ name: 'TypeError', message: 'gpio_native: expected a string' }));
    expect(() => addon.readerTake({} as never)).toThrow(/not a reader handle/);
  });
});

describe('the addon\'s resources', () => {
  /** Runs `code` in a child Node (with --expose-gc) that has the addon as `a`; what it prints to stdout, parsed. */
  const inChild = (code: string, env: Record<string, string> = {}): unknown =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '-e', `const a = require(${JSON.stringify(ADDON_PATH)});\n${code}`], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 30_000,
      }),
    );

  it('a reader that JS forgets without readerStop is collected, even with an onReady that refers to it: its thread ends and its fds are closed', () => {
    const got = inChild(`
      const fs = require('node:fs');
      const threads = () => fs.readdirSync('/proc/self/task').length;
      // Each open fd as "number:target" (the directory's own fd is closed by the time of readlink: left out).
      // By target, not by count: a sanitizer's runtime holds files of its own for a while (TSan: /usr/bin/node).
      const fds = () => fs.readdirSync('/proc/self/fd').flatMap((n) => { try { return [n + ':' + fs.readlinkSync('/proc/self/fd/' + n)]; } catch { return []; } });
      const { execFileSync } = require('node:child_process');
      const dir = fs.mkdtempSync(require('node:os').tmpdir() + '/forgotten-');
      execFileSync('mkfifo', [dir + '/f']);
      const fd = fs.openSync(dir + '/f', fs.constants.O_RDWR);
      const before = { threads: threads(), fds: fds() };
      // As a driver holds it: onReady refers to the handle (to take from it).
      (() => { const r = a.readerStart([fd], [3], 1, () => a.readerTake(r)); })();
      const running = { threads: threads(), fds: fds() };
      const opened = running.fds.filter((f) => !before.fds.includes(f));
      const deadline = Date.now() + 20000;
      const poll = () => {
        global.gc();
        const open = fds().filter((f) => opened.includes(f));
        if ((threads() > before.threads || open.length > 0) && Date.now() < deadline) return setTimeout(poll, 20);
        console.log(JSON.stringify({ before: before.threads, running: running.threads, after: threads(), opened, open }));
        fs.closeSync(fd);
        fs.rmSync(dir, { recursive: true });
      };
      poll();
    `) as { before: number; running: number; after: number; opened: string[]; open: string[] };
    // Running: one more thread, and its epoll and eventfd descriptors.
    expect(got.running).toBe(got.before + 1);
    expect(got.opened.map((f) => f.replace(/^\d+:/, '')).sort()).toEqual(['anon_inode:[eventfd]', 'anon_inode:[eventpoll]']);
    // Collected: the thread is gone and so are both descriptors.
    expect(got.after).toBe(got.before);
    expect(got.open).toEqual([]);
  });

  it('a failed load of libgpiod 1.x keeps no reference to the library: nothing of it stays mapped, however often it is retried', () => {
    const dir = mkdtempSync(join(tmpdir(), 'not-libgpiod-'));
    try {
      // A libgpiod.so.2 that is not libgpiod 1.x (none of its functions).
      writeFileSync(join(dir, 'empty.c'), 'int not_libgpiod(void) { return 0; }\n');
      execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'libgpiod.so.2'), join(dir, 'empty.c')]);
      const got = inChild(
        `
        const mapped = () => require('node:fs').readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(join(dir, 'libgpiod.so.2'))});
        const tries = [];
        for (let i = 0; i < 3; i++) {
          try { a.lgRequestEdges('gpiochip0', [1], [0], 'c'); tries.push('ok'); } catch (e) { tries.push(e.code + ': ' + e.message); }
          tries.push(mapped());
        }
        console.log(JSON.stringify(tries));
      `,
        { LD_LIBRARY_PATH: dir },
      );
      const why = 'ELIBGPIOD: libgpiod.so.2 has no gpiod_chip_open_by_name: not libgpiod 1.x';
      expect(got).toEqual([why, false, why, false, why, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The software PWM thread (native/pwm.c) over a descriptor that is no line
// request (a FIFO: its ioctl fails with ENOTTY), so what it did shows as the
// failure it reports. Its edges on real lines (frequency, duty, a duty changed
// while running, stop, release on close) are measured on the kernel's
// gpio-sim by spec/kernel/pwm-addon.spec.ts and spec/kernel/pwm.spec.ts.
describe('the addon\'s PWM thread', () => {
  const addon = (() => {
    const loaded = loadNativeAddon();
    if (E.isLeft(loaded)) throw new Error(loaded.left);
    return loaded.right as NativeAddon;
  })();
  let dir: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pwm-'));
    execFileSync('mkfifo', [join(dir, 'f')]);
    fd = openSync(join(dir, 'f'), constants.O_RDWR);
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const { tids, started, gone } = threadWatch;
  const code = (f: () => void): unknown => {
    try {
      f();
      return undefined;
    } catch (e) {
      return { code: (e as NodeJS.ErrnoException).code, syscall: (e as NodeJS.ErrnoException).syscall };
    }
  };

  it('holds a line at once for a duty of 0 or 1 (one ioctl, from the caller)', () => {
    const pwm = addon.pwmOpen(fd);
    expect(code(() => addon.pwmSet(pwm, 0, 0, 1_000_000))).toEqual({ code: 'ENOTTY', syscall: 'ioctl GPIO_V2_LINE_SET_VALUES' });
    expect(code(() => addon.pwmSet(pwm, 0, 1_000_000, 0))).toEqual({ code: 'ENOTTY', syscall: 'ioctl GPIO_V2_LINE_SET_VALUES' });
    addon.pwmClose(pwm);
  });

  it('runs the edges in its own thread, which reports a failed edge on the next call, and ends on close', async () => {
    const before = tids();
    const pwm = addon.pwmOpen(fd);
    const mine = started(before);
    expect(mine).toHaveLength(1);
    // 1 kHz: the thread's first edge is due now; its ioctl fails on the FIFO.
    addon.pwmSet(pwm, 3, 500_000, 500_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(code(() => addon.pwmSet(pwm, 3, 250_000, 750_000))).toEqual({ code: 'ENOTTY', syscall: 'ioctl GPIO_V2_LINE_SET_VALUES (PWM thread)' });
    addon.pwmStop(pwm, 3);
    addon.pwmClose(pwm);
    addon.pwmClose(pwm); // idempotent
    expect(mine.filter(gone)).toEqual(mine);
    expect(code(() => addon.pwmSet(pwm, 3, 500_000, 500_000))).toEqual({ code: 'EBADF', syscall: 'pwmSet' });
  });

  it('runs its thread with a timer slack of 1 ns, so no edge waits to be batched with other wake-ups (Linux allows a normal thread 50 us)', async () => {
    const slackOf = (name: string): string[] =>
      readdirSync('/proc/self/task')
        .filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name)
        .map((tid) => readFileSync(`/proc/${tid}/timerslack_ns`, 'utf8').trim());
    const pwm = addon.pwmOpen(fd);
    // The thread sets its slack as it starts: give it a moment to be scheduled.
    for (let i = 0; i < 50 && slackOf('gpio-pwm').join() !== '1'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(slackOf('gpio-pwm')).toEqual(['1']);
    addon.pwmClose(pwm);
  });

  it('refuses what it cannot do before it touches anything', () => {
    const pwm = addon.pwmOpen(fd);
    expect(() => addon.pwmSet(pwm, 64, 1, 1)).toThrow('gpio_native: index beyond 64');
    expect(() => addon.pwmSet(pwm, 0, -1, 1)).toThrow('gpio_native: nanoseconds out of range (0 to 10 s)');
    expect(() => addon.pwmSet(pwm, 0, 1, 20e9)).toThrow('gpio_native: nanoseconds out of range (0 to 10 s)');
    expect(() => addon.pwmSet({} as never, 0, 1, 1)).toThrow('gpio_native: not a PWM handle');
    expect(() => addon.pwmStop(pwm, 99)).toThrow('gpio_native: index beyond 64');
    addon.pwmClose(pwm);
  });
});
