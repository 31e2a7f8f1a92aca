import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import * as E from 'fp-ts/Either';

/**
 * Reads a small file a user named in the config (the config itself, a TLS
 * file) in bounded time and memory. Anything but a regular file is refused:
 * `/dev/zero` would be read until memory runs out and a FIFO would block
 * the open until a writer came. The open is non-blocking for that reason and
 * the type is checked on the opened descriptor, so nothing can swap the file
 * between the check and the read.
 */
export const readSmallFile = (path: string, maxBytes: number): E.Either<string, Buffer> => {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return E.left(`cannot read file: ${messageOf(e)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return E.left(`not a regular file (${kindOf(stat)}): give the path of a file`);
    if (stat.size > maxBytes) return E.left(`too large: ${stat.size} bytes, at most ${maxBytes} allowed`);
    // One byte more than allowed tells a file that grew since the stat. Unfilled, so that only the pages
    // read into are touched; what is returned is a copy the size of the file, not a view that keeps the whole buffer.
    const buffer = Buffer.allocUnsafe(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return E.left(`too large: more than ${maxBytes} bytes`);
    }
    return E.right(Buffer.from(buffer.subarray(0, length)));
  } catch (e) {
    return E.left(`cannot read file: ${messageOf(e)}`);
  } finally {
    closeSync(fd);
  }
};

const kindOf = (s: import('node:fs').Stats): string =>
  s.isDirectory()
    ? 'a directory'
    : s.isFIFO()
      ? 'a FIFO'
      : s.isCharacterDevice()
        ? 'a character device'
        : s.isBlockDevice()
          ? 'a block device'
          : s.isSocket()
            ? 'a socket'
            : 'not a file';

/**
 * The offset of the first byte that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF),
 * or undefined when all of `bytes` is UTF-8. Decoding would silently turn such
 * a byte into U+FFFD, and a thing name with it into a name nobody chose.
 */
export const invalidUtf8At = (bytes: Uint8Array): number | undefined => {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Sequence length and the range its second byte must fall in.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > bytes.length) return i;
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < n; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += n;
  }
  return undefined;
};

// Duck-typed: errors from Node's fs may come from another realm (jest, vm), where instanceof fails.
export const messageOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string' ? e.message : String(e);
