import { copyBytes, viewOf } from './byte-views.js';

/**
 * The members of the archive other than manifest.json and manifest.sig, in name order, with
 * their names, sizes and SHA-256 digests, and the lines manifest.json and sha256sums must hold
 * for them. Kept in flat buffers: tens of thousands of strings would only give the garbage
 * collector work.
 *
 * Names reach this list only once package.ts has matched them to the layout (fixed names,
 * `entries/N.*`, `evidence/HEX.EXT`): ASCII letters, digits, `.`, `/`, which JSON writes as
 * they are, so a name's bytes are its JSON string's content.
 */
export class MemberList {
  #count = 0;
  // Member i's name is #names[#bound[i]..#bound[i + 1]). Int32 offsets: package.ts caps the
  // members well below what would take 2^31 bytes of names (and integer offsets index faster).
  #bound = new Int32Array(1025);
  #names = Buffer.alloc(32 * 1024);
  #namesView = viewOf(this.#names);
  #size = new Float64Array(1024);
  #digests = Buffer.alloc(32 * 1024);

  get length(): number {
    return this.#count;
  }

  /**
   * Adds a member: its name, `nameLength` bytes at the start of `name`, its size, its raw
   * SHA-256 as a latin1 ('binary') string. Returns its index.
   */
  add(name: DataView, nameLength: number, size: number, digest: string): number {
    const i = this.#count;
    if (i === this.#size.length) {
      this.#bound = grow(this.#bound, new Int32Array(2 * i + 1));
      this.#size = grow(this.#size, new Float64Array(2 * i));
      this.#digests = grow(this.#digests, Buffer.alloc(64 * i));
    }
    const from = this.#bound[i] as number;
    if (from + nameLength > this.#names.length) {
      this.#names = grow(this.#names, Buffer.alloc(2 * (from + nameLength)));
      this.#namesView = viewOf(this.#names);
    }
    copyBytes(name, 0, this.#namesView, from, nameLength);
    this.#bound[i + 1] = from + nameLength;
    this.#size[i] = size;
    const d = this.#digests;
    const o = 32 * i;
    for (let k = 0; k < 32; k++) d[o + k] = digest.charCodeAt(k);
    this.#count = i + 1;
    return i;
  }

  path(i: number): string {
    return this.#names.toString('utf8', this.#bound[i], this.#bound[i + 1]);
  }

  size(i: number): number {
    return this.#size[i] as number;
  }

  /** Lowercase hex SHA-256 of member `i`. */
  digest(i: number): string {
    return this.#digests.toString('hex', i * 32, i * 32 + 32);
  }

  /** Is `path` the name of member `i`? */
  hasPath(i: number, path: string): boolean {
    return path === this.path(i);
  }

  /** Is `hex` the lowercase hex SHA-256 of member `i`? */
  hasDigest(i: number, hex: string): boolean {
    return hex === this.digest(i);
  }

  // The two comparisons below run once per member for each of manifest.json and sha256sums, and
  // make no strings: at tens of thousands of members, building each line to compare it costs
  // more than reading the archive. They read four bytes at a time through DataViews (the lines
  // lie at any offset), OR the differences together and test once per line.

  /**
   * If `bytes` (`view` its DataView) at `at` hold member `i`'s line of manifest.json's `files`,
   * as manifestJson (package-writer.ts) writes it — `    {"path":"PATH","sha256":"HEX","size":SIZE}`,
   * without the `,` and newline between lines — where the line ends; else -1.
   */
  manifestLineAt(i: number, bytes: Buffer, view: DataView, at: number): number {
    const from = this.#bound[i] as number;
    const length = (this.#bound[i + 1] as number) - from;
    const hexAt = at + 13 + length + 12;
    const sizeAt = hexAt + 64 + 9;
    if (sizeAt + 2 > bytes.length) return -1;
    // '    {"path":"' (13 bytes), the name, '","sha256":"' (12), HEX, '","size":' (9)
    let diff =
      (view.getInt32(at, true) ^ LINE_PATH_0) |
      (view.getInt32(at + 4, true) ^ LINE_PATH_4) |
      (view.getInt32(at + 8, true) ^ LINE_PATH_8) |
      ((bytes[at + 12] as number) ^ 0x22) |
      this.#nameDiff(from, length, bytes, view, at + 13) |
      (view.getInt32(hexAt - 12, true) ^ LINE_SHA256_0) |
      (view.getInt32(hexAt - 8, true) ^ LINE_SHA256_4) |
      (view.getInt32(hexAt - 4, true) ^ LINE_SHA256_8) |
      this.#hexDiff(i, view, hexAt) |
      (view.getInt32(sizeAt - 9, true) ^ LINE_SIZE_0) |
      (view.getInt32(sizeAt - 5, true) ^ LINE_SIZE_4) |
      ((bytes[sizeAt - 1] as number) ^ 0x3a);
    if (diff !== 0) return -1;
    // The size in decimal, as JSON.stringify writes a safe integer: no sign, no leading zero.
    let q = sizeAt;
    let value = 0;
    while (q < bytes.length && q - sizeAt < 16) {
      const digit = (bytes[q] as number) - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      q++;
    }
    if (q === sizeAt || (bytes[sizeAt] === 0x30 && q > sizeAt + 1) || value !== this.#size[i] || bytes[q] !== 0x7d) return -1;
    return q + 1;
  }

  /**
   * If `bytes` (`view` its DataView) at `at` hold member `i`'s `sha256sum` line (`HEX  PATH` and
   * a newline), where the line ends; else -1.
   */
  sumLineAt(i: number, bytes: Buffer, view: DataView, at: number): number {
    const from = this.#bound[i] as number;
    const length = (this.#bound[i + 1] as number) - from;
    const p = at + 66;
    if (p + length + 1 > bytes.length) return -1;
    const diff = this.#hexDiff(i, view, at) | ((bytes[at + 64] as number) ^ 0x20) | ((bytes[at + 65] as number) ^ 0x20) | this.#nameDiff(from, length, bytes, view, p) | ((bytes[p + length] as number) ^ 0x0a);
    return diff === 0 ? p + length + 1 : -1;
  }

  /** Zero if `bytes[at..at + 64)` is member `i`'s SHA-256 in lowercase hex (the caller checks the bounds). */
  #hexDiff(i: number, view: DataView, at: number): number {
    const d = this.#digests;
    const o = 32 * i;
    let diff = 0;
    for (let k = 0; k < 16; k++) diff |= view.getInt32(at + 4 * k, true) ^ ((HEX_PAIR[d[o + 2 * k] as number] as number) | ((HEX_PAIR[d[o + 2 * k + 1] as number] as number) << 16));
    return diff;
  }

  /** Zero if `bytes[at..at + length)` is the name at `from` (the caller checks the bounds). */
  #nameDiff(from: number, length: number, bytes: Buffer, view: DataView, at: number): number {
    const names = this.#names;
    const namesView = this.#namesView;
    let diff = 0;
    let k = 0;
    for (; k + 4 <= length; k += 4) diff |= view.getInt32(at + k, true) ^ namesView.getInt32(from + k, true);
    for (; k < length; k++) diff |= (bytes[at + k] as number) ^ (names[from + k] as number);
    return diff;
  }
}

/** `entries/` + the index zero-padded to 12 digits, so that name order is index order. */
export function entryPath(index: number, ext: 'json' | 'tlog-proof'): string {
  return `entries/${String(index).padStart(12, '0')}.${ext}`;
}

// The fixed parts of a manifest line, as little-endian 32-bit words.
const word = (text: string, at: number): number => Buffer.from(text, 'latin1').readInt32LE(at);
const LINE_PATH_0 = word('    {"path":"', 0);
const LINE_PATH_4 = word('    {"path":"', 4);
const LINE_PATH_8 = word('    {"path":"', 8);
const LINE_SHA256_0 = word('","sha256":"', 0);
const LINE_SHA256_4 = word('","sha256":"', 4);
const LINE_SHA256_8 = word('","sha256":"', 8);
const LINE_SIZE_0 = word('","size":', 0);
const LINE_SIZE_4 = word('","size":', 4);
// A byte's two lowercase hex digits, the first in the low byte (as they follow in memory).
const HEX_PAIR = Uint16Array.from({ length: 256 }, (_, b) => '0123456789abcdef'.charCodeAt(b >> 4) | ('0123456789abcdef'.charCodeAt(b & 15) << 8));

function grow<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
