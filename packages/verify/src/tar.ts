/**
 * The deterministic POSIX ustar members a compliance package is made of: regular files only,
 * fixed owner (0/0, no names), mode 0644, one caller-chosen mtime. Reading is in tar-read.ts.
 */

import { hasLoneSurrogate } from './unicode.js';

export const TAR_BLOCK = 512;
/** GNU tar's default record: 20 blocks. Archives are padded to a whole record. */
export const TAR_RECORD = 10240;
/** ustar's size field holds 11 octal digits. */
export const TAR_MAX_SIZE = 0o77777777777;

const encoder = new TextEncoder();

function octal(field: Uint8Array, offset: number, length: number, value: number): void {
  // length-1 octal digits, zero-padded, then NUL.
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new RangeError(`tar field value ${value} does not fit in ${length - 1} octal digits`);
  field.set(encoder.encode(text), offset);
  field[offset + length - 1] = 0;
}

/**
 * Refuses names tar-read.ts would refuse, so that the writer can never produce an archive its
 * own reader rejects: relative, `/`-separated, no empty, `.` or `..` segments, well-formed
 * Unicode without control characters or backslashes.
 */
function requireSafeName(path: string): void {
  if (typeof path !== 'string' || path === '' || hasLoneSurrogate(path) || /[\x00-\x1f\x7f\\]/.test(path)) {
    throw new RangeError(`unsafe tar member name: ${JSON.stringify(path)}`);
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw new RangeError(`unsafe tar member name: ${JSON.stringify(path)}`);
  }
}

/**
 * Where a name of `bytes` (UTF-8) is split into ustar's prefix (≤ 155 bytes) and name (≤ 100
 * bytes) fields: the index of the separating `/`, 0 if the name fits unsplit, -1 if it cannot be
 * stored. The reader uses it to require the one split the writer makes.
 */
export function ustarSplit(bytes: Uint8Array): number {
  if (bytes.length <= 100) return 0;
  for (let i = Math.min(bytes.length - 2, 155); i > 0; i--) {
    if (bytes[i] === 0x2f && bytes.length - i - 1 <= 100) return i; // '/'
  }
  return -1;
}

/** Splits a path into ustar's name and prefix fields. */
function splitName(path: string): { name: Uint8Array; prefix: Uint8Array } {
  requireSafeName(path);
  const bytes = encoder.encode(path);
  const split = ustarSplit(bytes);
  if (split < 0) throw new RangeError(`tar member name too long for ustar: ${path}`);
  if (split === 0) return { name: bytes, prefix: new Uint8Array(0) };
  return { name: bytes.subarray(split + 1), prefix: bytes.subarray(0, split) };
}

/** The 512-byte ustar header of a regular file. */
export function tarHeader(path: string, size: number, mtimeSeconds: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > TAR_MAX_SIZE) throw new RangeError(`tar member size out of range: ${size}`);
  // A fraction or a negative number would be written as "1.4" or "-1", not as octal digits.
  if (!Number.isSafeInteger(mtimeSeconds) || mtimeSeconds < 0 || mtimeSeconds > TAR_MAX_SIZE) {
    throw new RangeError(`tar mtime out of range: ${mtimeSeconds}`);
  }
  const header = new Uint8Array(TAR_BLOCK);
  const { name, prefix } = splitName(path);
  header.set(name, 0);
  octal(header, 100, 8, 0o644); // mode
  octal(header, 108, 8, 0); // uid
  octal(header, 116, 8, 0); // gid
  octal(header, 124, 12, size);
  octal(header, 136, 12, mtimeSeconds);
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header[156] = 0x30; // typeflag '0': regular file
  header.set(encoder.encode('ustar\0'), 257); // magic
  header.set(encoder.encode('00'), 263); // version
  // uname, gname: empty. devmajor, devminor: zero.
  octal(header, 329, 8, 0);
  octal(header, 337, 8, 0);
  header.set(prefix, 345);
  let sum = 0;
  for (const b of header) sum += b;
  // checksum: six octal digits, NUL, space (as POSIX tar writes it).
  header.set(encoder.encode(sum.toString(8).padStart(6, '0')), 148);
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  const rest = size % TAR_BLOCK;
  return new Uint8Array(rest === 0 ? 0 : TAR_BLOCK - rest);
}

/** The end of an archive of `written` bytes so far: two zero blocks, then zeros to a whole record. */
export function tarEnd(written: number): Uint8Array {
  const total = written + 2 * TAR_BLOCK;
  const rest = total % TAR_RECORD;
  return new Uint8Array(2 * TAR_BLOCK + (rest === 0 ? 0 : TAR_RECORD - rest));
}
