import * as E from 'fp-ts/Either';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADDON_PATH, loadNativeAddon, type NativeAddon, type ReaderHandle, type ReaderRecord } from '../../src/adapters/gpio/native/addon';

// Our GPIO addon (native/) on its own, on a machine without a GPIO chip: how
// it loads, how it fails, and its reader thread. scripts/addon-sanitize.sh
// runs this spec against a build under AddressSanitizer and UBSan. What it
// does on real lines is proven on the kernel's gpio-sim by `npm run
// test:hardware` (spec/contract, spec/kernel).

describe('the addon', () => {
  it('builds and loads with npm install (no libgpiod needed)', () => {
    const addon = loadNativeAddon();
    expect(E.isRight(addon) ? Object.keys(addon.right).sort() : addon.left).toEqual(
      [
        'chipInfo', 'close', 'getValues', 'lgFds', 'lgGetValue', 'lgReadEvents', 'lgRelease', 'lgRequestEdges', 'lineInfo',
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
  const threads = () => readdirSync('/proc/self/task').length;

  it('reads uAPI v1 records of every fd with one thread, each with its fd\'s offset, and wakes the event loop', async () => {
    const a = fifo('a');
    const b = fifo('b');
    const before = threads();
    const { reader, wakes } = start([a, b], [5, 9], 1);
    expect(threads()).toBe(before + 1);
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
    expect(threads()).toBe(before);
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

  it('hands on what it read before a failure, then throws the failure (errno code) and stops', async () => {
    const fd = fifo('bad');
    const before = threads();
    const { reader } = start([fd], [4], 1);
    writeSync(fd, v1(1, true));
    await new Promise((r) => setTimeout(r, 50)); // read by the thread, not yet taken
    writeSync(fd, Buffer.alloc(5)); // part of a record: libgpiod's EIO
    for (const deadline = Date.now() + 5000; threads() > before && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(addon.readerTake(reader)).toEqual([expect.objectContaining({ offset: 4, rising: true })]);
    expect(() => addon.readerTake(reader)).toThrow(expect.objectContaining({ code: 'EIO', syscall: 'read' }));
    expect(threads()).toBe(before); // the thread ended by itself
    addon.readerStop(reader);
  });

  it('refuses bad arguments before starting anything', () => {
    const before = threads();
    expect(() => addon.readerStart([], [], 1, () => undefined)).toThrow(/1 to 64 fds/);
    expect(() => addon.readerStart([fifo('x')], [1, 2], 1, () => undefined)).toThrow(/one length/);
    expect(() => addon.readerStart([fifo('y')], [1], 3 as 1, () => undefined)).toThrow(/format/);
    expect(() => addon.readerStart([999_999], [1], 1, () => undefined)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(threads()).toBe(before);
  });
});
