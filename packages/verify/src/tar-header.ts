import { TextDecoder } from 'node:util';
import { viewOf } from './byte-views.js';
import { TAR_BLOCK, tarHeader, ustarSplit } from './tar.js';
import { TarError } from './tar-error.js';
import type { TarCheck } from './tar-error.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ZEROS = Buffer.alloc(TAR_BLOCK);

// Every byte of these header ranges is fixed by the writer: mode 0644, uid and gid 0 (100-123);
// typeflag '0', no link name, "ustar\0" "00", empty uname and gname, devmajor and devminor 0
// (156-344); and the unused tail of the block (500-511).
const TEMPLATE = Buffer.from(tarHeader('-', 0, 0)).fill(0, 0, 100); // the name and prefix fields NUL
const TEMPLATE_WORDS = new Int32Array(TEMPLATE.buffer.slice(TEMPLATE.byteOffset, TEMPLATE.byteOffset + TAR_BLOCK));
const FIELDS: readonly (readonly [number, number, string])[] = [
  [100, 108, 'mode (want 0644)'],
  [108, 116, 'uid (want 0)'],
  [116, 124, 'gid (want 0)'],
  [156, 157, 'type'],
  [157, 257, 'link name (want empty)'],
  [257, 265, 'magic and version (want "ustar\\0" "00")'],
  [265, 297, 'owner name (want empty)'],
  [297, 329, 'group name (want empty)'],
  [329, 345, 'device numbers (want 0)'],
  [500, 512, 'unused end of the block (want zeros)'],
];
const FIXED: readonly (readonly [number, number])[] = [
  [100, 124],
  [156, 345],
  [500, 512],
];
// The checksum of a header is the sum of its bytes with the checksum field read as spaces
// (POSIX ustar). The fixed ranges always add up to the same, so a header's checksum is that
// constant plus its name, prefix, size and mtime bytes: no need to add up all 512.
const CHECKSUM_AS_SPACES = 8 * 0x20;
const FIXED_SUM = FIXED.reduce((sum, [from, to]) => sum + TEMPLATE.subarray(from, to).reduce((a, b) => a + b, 0), CHECKSUM_AS_SPACES);

/**
 * Parses and checks one ustar header at a time, strictly against what tar.ts writes; keeps the
 * previous name, which the next must sort after.
 */
export class TarHeader {
  size = 0;
  mtime = 0;
  #previous = Buffer.alloc(256);
  #previousView = viewOf(this.#previous);
  #previousLength = -1;
  #name = Buffer.alloc(256);
  #nameView = viewOf(this.#name);
  #path: string | undefined;

  /** The member's name as bytes: `name[0..nameLength)`, valid until the next header. */
  get name(): Buffer {
    return this.#previous;
  }

  /** `name` as a DataView. */
  get nameView(): DataView {
    return this.#previousView;
  }

  get nameLength(): number {
    return this.#previousLength;
  }

  /** The member's name, decoded when first asked for (most names are only looked at as bytes). */
  get path(): string {
    this.#path ??= this.#previous.toString('latin1', 0, this.#previousLength);
    return this.#path;
  }

  read(h: Buffer, words: Int32Array | undefined, at: number, offset: number): void {
    if (words !== undefined && this.#readAligned(h, words, at)) return;
    try {
      this.#read(h, words, at, offset);
    } catch (err) {
      // A header that fails any check and whose checksum does not match is reported as a
      // checksum error: its fields cannot be trusted to say what went wrong.
      if (err instanceof TarError && err.check !== 'tar-order') throw checksumError(h, at, offset) ?? err;
      throw err;
    }
  }

  /**
   * The common header, read a word at a time: ASCII name without a prefix, every field as the
   * writer writes it, sorting after the previous name. Anything else returns false before
   * changing any state, and #read reads the header again, byte by byte, and says what is wrong:
   * this only ever accepts what #read accepts, with the same name, size and mtime.
   */
  #readAligned(h: Buffer, words: Int32Array, at: number): boolean {
    const w = at >> 2;
    // size (124-135) and mtime (136-147): 11 octal digits and a NUL each; the checksum
    // (148-155): six octal digits, NUL, space. Little-endian words: the first byte is the lowest.
    const s0 = words[w + 31] as number;
    const s1 = words[w + 32] as number;
    const s2 = words[w + 33] as number;
    const m0 = words[w + 34] as number;
    const m1 = words[w + 35] as number;
    const m2 = words[w + 36] as number;
    const c0 = words[w + 37] as number;
    const c1 = words[w + 38] as number;
    if (
      (((s0 & OCTAL4) ^ DIGITS4) |
        ((s1 & OCTAL4) ^ DIGITS4) |
        ((s2 & OCTAL3_NUL) ^ DIGITS3_NUL) |
        ((m0 & OCTAL4) ^ DIGITS4) |
        ((m1 & OCTAL4) ^ DIGITS4) |
        ((m2 & OCTAL3_NUL) ^ DIGITS3_NUL) |
        ((c0 & OCTAL4) ^ DIGITS4) |
        ((c1 & OCTAL2_NUL_SPACE) ^ DIGITS2_NUL_SPACE)) !==
      0
    ) {
      return false;
    }
    if (h[at + 345] !== 0) return false; // a prefix
    // The name, copied and added up; ASCII, no control character or backslash, no empty, '.'
    // or '..' segment.
    const name = this.#name;
    let sum = FIXED_SUM;
    let n = 0;
    let segment = 0;
    for (; n < 100; n++) {
      const b = h[at + n] as number;
      if (b === 0) break;
      name[n] = b;
      sum += b;
      const kind = NAME_BYTE[b] as number;
      if (kind !== 0) {
        if (kind !== SLASH || badSegment(name, segment, n)) return false;
        segment = n + 1;
      }
    }
    if (n === 0 || badSegment(name, segment, n) || !fixedWords(h, words, at, n)) return false;
    // The bytes of 124-147, added up two 16-bit lanes at a time.
    const lanes = lanes2(s0) + lanes2(s1) + lanes2(s2) + lanes2(m0) + lanes2(m1) + lanes2(m2);
    sum += (lanes & 0xffff) + (lanes >>> 16);
    if (sum !== octal4(c0) * 64 + octal2(c1)) return false;
    const previous = this.#previous;
    if (this.#previousLength >= 0 && !sortsAfter(name, this.#nameView, n, previous, this.#previousView, this.#previousLength)) return false;
    this.size = octal4(s0) * 2097152 + octal4(s1) * 512 + octal3(s2);
    this.mtime = octal4(m0) * 2097152 + octal4(m1) * 512 + octal3(m2);
    this.#path = undefined;
    this.#previous = name;
    this.#name = previous;
    const view = this.#previousView;
    this.#previousView = this.#nameView;
    this.#nameView = view;
    this.#previousLength = n;
    return true;
  }

  #read(h: Buffer, words: Int32Array | undefined, at: number, offset: number): void {
    const name = this.#name;
    let sum = FIXED_SUM;
    // name (0-99) and prefix (345-499): bytes, then NULs.
    let n = 0;
    for (; n < 100; n++) {
      const b = h[at + n] as number;
      if (b === 0) break;
      name[n] = b;
      sum += b;
    }
    let p = 0;
    while (p < 155 && h[at + 345 + p] !== 0) sum += h[at + 345 + p++] as number;
    // Two comparisons cover every fixed byte when the prefix is empty: from the end of the name
    // to the size field (the name's NULs, mode, uid, gid), and from the type flag to the end of
    // the block (type, link name, magic, version, owner and group names, device numbers, the
    // empty prefix and the unused tail).
    if (p === 0 && words !== undefined ? !fixedWords(h, words, at, n) : !fixedBytes(h, at, n, p)) throw fixedFieldError(h, at, offset, n, p);
    const size = octal(h, at + 124);
    if (size < 0) throw fieldError('tar-header', offset, 'size field is not 11 octal digits and a NUL');
    const mtime = octal(h, at + 136);
    if (mtime < 0) throw fieldError('tar-header', offset, 'mtime field is not 11 octal digits and a NUL');
    for (let i = at + 124; i < at + 147; i++) sum += h[i] as number;
    if (storedChecksum(h, at) !== sum) throw fieldError('tar-checksum', offset, 'checksum does not match');

    const length = p === 0 ? n : this.#joinPrefix(h, at, n, p, offset);
    const ascii = safeName(name, length, offset);
    const previous = this.#previous;
    if (this.#previousLength >= 0 && !sortsAfter(name, this.#nameView, length, previous, this.#previousView, this.#previousLength)) {
      const path = decodeName(name, length, ascii, offset);
      const before = previous.toString('utf8', 0, this.#previousLength);
      throw new TarError('tar-order', path, offset, `member ${JSON.stringify(path)} does not sort after ${JSON.stringify(before)} (names must be unique, in increasing byte order)`);
    }
    // ASCII names are decoded only if asked for; others now, as the UTF-8 check is part of reading.
    this.#path = ascii ? undefined : decodeName(name, length, ascii, offset);
    this.size = size;
    this.mtime = mtime;
    this.#previous = name;
    this.#name = previous;
    const view = this.#previousView;
    this.#previousView = this.#nameView;
    this.#nameView = view;
    this.#previousLength = length;
  }

  /** #name holds the name; makes it prefix + '/' + name, split as the writer splits it. */
  #joinPrefix(h: Buffer, at: number, n: number, p: number, offset: number): number {
    const out = this.#name;
    out.copy(out, p + 1, 0, n);
    h.copy(out, 0, at + 345, at + 345 + p);
    out[p] = 0x2f;
    const length = p + 1 + n;
    if (n === 0 || ustarSplit(out.subarray(0, length)) !== p) {
      throw fieldError('tar-name', offset, 'the name is not split into prefix and name as the writer splits it');
    }
    return length;
  }
}

// Which bytes of a name #readAligned takes as they are (0), '/' and the others (left to #read).
const SLASH = 1;
const NAME_BYTE = Uint8Array.from({ length: 256 }, (_, b) => (b === 0x2f ? SLASH : b < 0x20 || b >= 0x7f || b === 0x5c ? 2 : 0));

// Octal fields as little-endian words: masks that keep the bits a digit '0'-'7' (0x30-0x37)
// shares, and what they must then be; the NUL and space are kept whole.
const OCTAL4 = 0xf8f8f8f8 | 0;
const DIGITS4 = 0x30303030;
const OCTAL3_NUL = 0xfff8f8f8 | 0;
const DIGITS3_NUL = 0x00303030;
const OCTAL2_NUL_SPACE = 0xfffff8f8 | 0;
const DIGITS2_NUL_SPACE = 0x20003030;

/** The value of a word of four octal digits (checked), the first digit in the lowest byte. */
function octal4(v: number): number {
  return ((v & 7) << 9) | (((v >> 8) & 7) << 6) | (((v >> 16) & 7) << 3) | ((v >> 24) & 7);
}

function octal3(v: number): number {
  return ((v & 7) << 6) | (((v >> 8) & 7) << 3) | ((v >> 16) & 7);
}

function octal2(v: number): number {
  return ((v & 7) << 3) | ((v >> 8) & 7);
}

/** A word's bytes added up in pairs: bytes 0 + 1 in the low 16 bits, 2 + 3 in the high. */
function lanes2(v: number): number {
  return (v & 0x00ff00ff) + ((v >>> 8) & 0x00ff00ff);
}

/** Is name[from..to) an empty, '.' or '..' segment? */
function badSegment(name: Buffer, from: number, to: number): boolean {
  const n = to - from;
  return n === 0 || (n <= 2 && name[from] === 0x2e && (n === 1 || name[from + 1] === 0x2e));
}

/**
 * Checks a relative name: not empty, no control characters or backslashes, no empty, '.' or
 * '..' segments (which also rules out a leading or trailing '/'). Returns whether it is ASCII.
 */
function safeName(name: Buffer, length: number, offset: number): boolean {
  if (length === 0) throw fieldError('tar-name', offset, 'empty name');
  let ascii = true;
  let segment = 0;
  for (let i = 0; i <= length; i++) {
    const b = i === length ? 0x2f : (name[i] as number);
    if (b === 0x2f) {
      const n = i - segment;
      if (n === 0 || (n <= 2 && name[segment] === 0x2e && (n === 1 || name[segment + 1] === 0x2e))) {
        throw fieldError('tar-name', offset, `unsafe name ${JSON.stringify(name.toString('utf8', 0, length))} (absolute, or an empty, '.' or '..' segment)`);
      }
      segment = i + 1;
    } else if (b < 0x20 || b === 0x7f || b === 0x5c) {
      throw fieldError('tar-name', offset, 'name contains a control character or a backslash');
    } else if (b >= 0x80) {
      ascii = false;
    }
  }
  return ascii;
}

/**
 * Byte order: does a[0..aLength) sort strictly after b[0..bLength)? The common prefix is
 * skipped four bytes at a time (`av`, `bv`: the DataViews of `a` and `b`).
 */
function sortsAfter(a: Buffer, av: DataView, aLength: number, b: Buffer, bv: DataView, bLength: number): boolean {
  const n = Math.min(aLength, bLength);
  let i = 0;
  while (i + 4 <= n && av.getInt32(i) === bv.getInt32(i)) i += 4;
  for (; i < n; i++) {
    if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  }
  return aLength > bLength;
}

/**
 * Every fixed byte of a header with an empty prefix, a word at a time: from the end of the name
 * to the size field (the name's NULs, mode, uid, gid), and from the type flag to the end of the
 * block (type, link name, magic, version, owner and group names, device numbers, the empty
 * prefix, the unused tail). `at` is a multiple of 4.
 */
function fixedWords(h: Buffer, words: Int32Array, at: number, n: number): boolean {
  let i = n;
  for (; (i & 3) !== 0; i++) if (h[at + i] !== 0) return false;
  const w = at >> 2;
  for (let k = i >> 2; k < 31; k++) if (words[w + k] !== TEMPLATE_WORDS[k]) return false;
  for (let k = 39; k < 128; k++) if (words[w + k] !== TEMPLATE_WORDS[k]) return false;
  return true;
}

/** The same, a byte range at a time (unaligned input, or a name with a prefix). */
function fixedBytes(h: Buffer, at: number, n: number, p: number): boolean {
  return (
    h.compare(TEMPLATE, n, 124, at + n, at + 124) === 0 &&
    (p === 0
      ? h.compare(TEMPLATE, 156, 512, at + 156, at + 512) === 0
      : h.compare(TEMPLATE, 156, 345, at + 156, at + 345) === 0 && h.compare(TEMPLATE, 345 + p, 512, at + 345 + p, at + 512) === 0)
  );
}

/** Which fixed field of a header differs from what the writer writes. */
function fixedFieldError(h: Buffer, at: number, offset: number, n: number, p: number): TarError {
  if (n < 100 && h.compare(ZEROS, 0, 100 - n, at + n, at + 100) !== 0) return fieldError('tar-name', offset, 'bytes after the end of the name field are not zero');
  if (p < 155 && h.compare(ZEROS, 0, 155 - p, at + 345 + p, at + 500) !== 0) return fieldError('tar-name', offset, 'bytes after the end of the prefix field are not zero');
  for (const [from, to, what] of FIELDS) {
    if (h.compare(TEMPLATE, from, to, at + from, at + to) === 0) continue;
    if (from === 156) return fieldError('tar-type', offset, `type ${JSON.stringify(String.fromCharCode(h[at + 156] as number))} is not a regular file ('0')`);
    return fieldError('tar-header', offset, `${what} is not what cairn-export writes`);
  }
  return fieldError('tar-header', offset, 'a fixed field is not what cairn-export writes');
}

function fieldError(check: TarCheck, offset: number, message: string): TarError {
  return new TarError(check, undefined, offset, `header at byte ${offset}: ${message}`);
}

/** The writer's checksum field: six octal digits, NUL, space; -1 if it is not that. */
function storedChecksum(h: Uint8Array, at: number): number {
  let value = 0;
  for (let i = at + 148; i < at + 154; i++) {
    const digit = (h[i] as number) - 0x30;
    if (digit < 0 || digit > 7) return -1;
    value = value * 8 + digit;
  }
  return h[at + 154] === 0 && h[at + 155] === 0x20 ? value : -1;
}

/** The checksum error of a header, if its checksum field is malformed or does not match. */
function checksumError(h: Uint8Array, at: number, offset: number): TarError | undefined {
  let sum = CHECKSUM_AS_SPACES;
  for (let i = at; i < at + 148; i++) sum += h[i] as number;
  for (let i = at + 156; i < at + TAR_BLOCK; i++) sum += h[i] as number;
  const stored = storedChecksum(h, at);
  if (stored < 0) return fieldError('tar-checksum', offset, 'checksum field is not six octal digits, NUL, space');
  if (stored !== sum) return fieldError('tar-checksum', offset, `checksum ${stored.toString(8)} does not match the header (${sum.toString(8)})`);
  return undefined;
}

function decodeName(bytes: Buffer, length: number, ascii: boolean, offset: number): string {
  if (ascii) return bytes.toString('latin1', 0, length);
  try {
    return UTF8.decode(bytes.subarray(0, length));
  } catch (cause) {
    throw new TarError('tar-name', undefined, offset, `header at byte ${offset}: name is not valid UTF-8`, { cause });
  }
}

/** A 12-byte size or mtime field: 11 octal digits then a NUL, as the writer writes it; -1 if not. */
function octal(h: Uint8Array, at: number): number {
  let value = 0;
  for (let i = at; i < at + 11; i++) {
    const digit = (h[i] as number) - 0x30;
    if (digit < 0 || digit > 7) return -1;
    value = value * 8 + digit;
  }
  return h[at + 11] === 0 ? value : -1;
}
