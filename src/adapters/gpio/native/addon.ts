import * as E from 'fp-ts/Either';
import { join } from 'node:path';
import type { Either } from '../../../core/either';

/**
 * Our GPIO addon (native/, built by npm install), shared by both drivers:
 * the kernel's uAPI v2 for the cdev driver, libgpiod 1.x's edge events for
 * the libgpiod driver, and the reader thread that reads either kind of event
 * fd. Typed here; loaded lazily, so the service installs and runs without it
 * where it could not be built.
 */
export interface ChipInfo {
  readonly name: string;
  readonly label: string;
  readonly lines: number;
}

export interface LineInfo {
  readonly name: string;
  /** Empty when the line is free. */
  readonly consumer: string;
  readonly flags: number;
  readonly debounceUs: number;
}

/** One attribute of a request: for the lines at `indices` (into the request's offsets). */
export type LineAttr =
  | { readonly indices: ReadonlyArray<number>; readonly flags: number }
  | { readonly indices: ReadonlyArray<number>; readonly values: ReadonlyArray<number> }
  | { readonly indices: ReadonlyArray<number>; readonly debounceUs: number };

export interface LineEvent {
  readonly timestampNs: bigint;
  readonly rising: boolean;
  readonly offset: number;
  readonly seqno: number;
  readonly lineSeqno: number;
}

/** One libgpiod 1.x edge event (struct gpiod_line_event), from lgReadEvents. */
export interface LgEvent {
  readonly timestampNs: bigint;
  /** Logical: libgpiod 1.x reports edges after active-low. */
  readonly rising: boolean;
  readonly offset: number;
}

/** One record of a reader thread (readerTake). */
export interface ReaderRecord {
  readonly timestampNs: bigint;
  /** Logical, as the kernel reports it (after active-low). */
  readonly rising: boolean;
  readonly offset: number;
  /** uAPI v2's sequence number in the request; 0 for uAPI v1, which numbers nothing. */
  readonly seqno: number;
  /**
   * Not an event: a uAPI v1 read found this line's 16-event queue full, so
   * the kernel may have dropped edges after the records before this one.
   */
  readonly full: boolean;
  /** The index in readerStart's `fds` of the fd this record was read from: which request (and so which chip) it is of. */
  readonly source: number;
}

/** A reader thread, from readerStart. */
export type ReaderHandle = { readonly __readerHandle: unique symbol };

/** A software PWM thread over one request's lines, from pwmOpen. */
export type PwmHandle = { readonly __pwmHandle: unique symbol };

/** Lines requested for edge events through libgpiod 1.x, on a chip object of the addon's own. */
export type LgHandle = { readonly __lgHandle: unique symbol };

export interface NativeAddon {
  /** uAPI v2 (native/uapi_v2.c): the chip and line info, a request of lines, their values and queued events. */
  chipInfo(path: string): ChipInfo;
  lineInfo(path: string, offset: number): LineInfo;
  request(path: string, offsets: ReadonlyArray<number>, consumer: string, flags: number, attrs: ReadonlyArray<LineAttr>, eventBufferSize: number): number;
  getValues(fd: number, count: number): number[];
  setValues(fd: number, indices: ReadonlyArray<number>, values: ReadonlyArray<number>): void;
  /** Every event queued on a request's fd, without blocking. */
  readEvents(fd: number): LineEvent[];
  close(fd: number): void;
  /**
   * libgpiod 1.x (uAPI v1) edge events, through the libgpiod.so.2 that
   * node-libgpiod loaded (the addon dlopen()s it; it does not link it): one
   * event request per line, each with its own fd (made O_NONBLOCK). `flags`
   * are libgpiod's GPIOD_LINE_REQUEST_FLAG_* per line. A failure throws with
   * `code` (errno name, or ELIBGPIOD when libgpiod 1.x cannot be loaded) and
   * `offset`, having released what it had requested.
   */
  lgRequestEdges(chipName: string, offsets: ReadonlyArray<number>, flags: ReadonlyArray<number>, consumer: string, edges?: 'both' | 'rising' | 'falling'): LgHandle;
  /** The lines' event fds, in the order of the request's offsets. */
  lgFds(handle: LgHandle): number[];
  /** Every event queued for the line at `index`, without blocking. */
  lgReadEvents(handle: LgHandle, index: number): LgEvent[];
  lgGetValue(handle: LgHandle, index: number): number;
  /** Releases the lines and closes the chip object; idempotent. */
  lgRelease(handle: LgHandle): void;
  /**
   * Starts one thread that reads every fd in `fds` (made O_NONBLOCK) as soon
   * as it is readable, off the JS thread, into a buffer that grows; `onReady`
   * runs on the event loop when records (or a failure) wait. `format` 1:
   * uAPI v1 records (a libgpiod 1.x event fd from lgFds), each with the
   * offset `offsets[i]` of its fd; 2: uAPI v2 line events (a request fd).
   * The fds may be of several chips' requests: each record names its fd's index.
   */
  readerStart(fds: ReadonlyArray<number>, offsets: ReadonlyArray<number>, format: 1 | 2, onReady: () => void): ReaderHandle;
  /** Every record read since the last take, in the order read; once none is left, throws the failure that ended the thread. */
  readerTake(handle: ReaderHandle): ReaderRecord[];
  /** Ends the thread and waits for it; idempotent. Call it before the fds are closed. */
  readerStop(handle: ReaderHandle): void;
  /**
   * Software PWM (native/pwm.c): one thread for the PWM lines of the request
   * `fd`, timed with absolute clock_nanosleep on CLOCK_MONOTONIC, one
   * GPIO_V2_LINE_SET_VALUES ioctl per edge instant.
   */
  pwmOpen(fd: number): PwmHandle;
  /** The line at `index` runs `highNs` high, `lowNs` low; either 0 holds it at one level at once. Throws the errno of a failed edge since the last call. */
  pwmSet(handle: PwmHandle, index: number, highNs: number, lowNs: number): void;
  /** The thread leaves the line alone from now on. */
  pwmStop(handle: PwmHandle, index: number): void;
  /** Ends the thread and waits for it; idempotent. Call it before the fd is closed. */
  pwmClose(handle: PwmHandle): void;
}

/** uAPI v2 line flags (linux/gpio.h, enum gpio_v2_line_flag): a stable kernel ABI. */
export const V2Flag = {
  USED: 1 << 0,
  ACTIVE_LOW: 1 << 1,
  INPUT: 1 << 2,
  OUTPUT: 1 << 3,
  EDGE_RISING: 1 << 4,
  EDGE_FALLING: 1 << 5,
  BIAS_PULL_UP: 1 << 8,
  BIAS_PULL_DOWN: 1 << 9,
  BIAS_DISABLED: 1 << 10,
} as const;

/**
 * The package's root, where node-gyp-build looks for the addon: a source
 * build in build/Release first (npm install --build-from-source, or where no
 * prebuilt one fits), then the prebuilt one for this platform in
 * prebuilds/<platform>-<arch>/ (scripts/prebuild.sh: linux-x64, linux-arm64,
 * linux-arm).
 */
export const ADDON_ROOT = join(__dirname, '..', '..', '..', '..');

/** Where a source build of the addon is (node-gyp's output), whether or not there is one. */
export const ADDON_PATH = join(ADDON_ROOT, 'build', 'Release', 'gpio_native.node');

// eslint-disable-next-line @typescript-eslint/no-require-imports -- node-gyp-build has no types: its path() is all we use
const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };

/** The file the addon loads from: a source build, or the prebuilt one that fits this platform; or why there is none. */
export const nativeAddonPath = (): Either<string, string> =>
  E.tryCatch(
    () => nodeGypBuild.path(ADDON_ROOT),
    (e) =>
      `the GPIO addon is not built and no prebuilt one fits this machine (${String((e as Error).message ?? e).split('\n')[0]}): install a C compiler (apt-get install build-essential) and run npm install again`,
  );

/** Loads the addon, or says why not and how to fix it. */
export const loadNativeAddon = (): Either<string, NativeAddon> =>
  E.chain((path: string) =>
    E.tryCatch(
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the native addon, loaded only when a driver opens
      () => require(path) as NativeAddon,
      (e) =>
        `the GPIO addon did not load (${String((e as Error).message ?? e).split('\n')[0]}): install a C compiler (apt-get install build-essential) and run npm install --build-from-source`,
    ),
  )(nativeAddonPath());
