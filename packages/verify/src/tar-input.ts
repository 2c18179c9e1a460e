import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TarError } from './tar-error.js';

/** Bytes of the archive: all of a Uint8Array, or a file read a chunk at a time. */
export class TarInput {
  buf: Buffer;
  /**
   * `buf` as 32-bit words, when it is 4-byte aligned: headers then lie on word boundaries (the
   * buffer is only ever shifted by multiples of 8 bytes of the archive), and the fixed header
   * fields and zero padding are checked a word at a time. Undefined for unaligned input.
   */
  words: Int32Array | undefined;
  /** `buf` as a DataView, for reading words at any offset. */
  view: DataView;
  pos = 0;
  end: number;
  /** Archive offset of buf[0]; a multiple of 8. */
  base = 0;
  /** Bytes of the current member's data not yet read. */
  remaining = 0;
  readonly total: number;
  readonly #fd: number | undefined;

  private constructor(buf: Buffer, end: number, total: number, fd: number | undefined) {
    this.buf = buf;
    this.words = wordsOf(buf);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.end = end;
    this.total = total;
    this.#fd = fd;
  }

  static open(source: string | Uint8Array, chunkSize: number): TarInput {
    if (source instanceof Uint8Array) {
      const buf = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      return new TarInput(buf, buf.length, buf.length, undefined);
    }
    if (typeof source !== 'string') throw new TypeError('source must be a file path or a Uint8Array');
    let fd: number | undefined;
    try {
      fd = openSync(source, 'r');
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new Error(`${source} is not a regular file`);
      return new TarInput(Buffer.allocUnsafeSlow(chunkSize), 0, stat.size, fd);
    } catch (cause) {
      if (fd !== undefined) closeSync(fd);
      throw new TarError('tar-read', undefined, 0, `cannot read ${source}: ${(cause as Error).message}`, { cause });
    }
  }

  /** Archive offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes `n` bytes available at `pos` in one piece; false if the archive ends first. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    const fd = this.#fd;
    if (fd === undefined) return false;
    // Keep the bytes from the last multiple of 8 of the archive before pos.
    const from = this.pos - ((this.base + this.pos) & 7);
    if (n + 8 > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(n + 8);
      this.buf.copy(bigger, 0, from, this.end);
      this.buf = bigger;
      this.words = wordsOf(bigger);
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    } else {
      this.buf.copy(this.buf, 0, from, this.end);
    }
    this.end -= from;
    this.base += from;
    this.pos -= from;
    while (this.end - this.pos < n) {
      let read: number;
      try {
        read = readSync(fd, this.buf, this.end, this.buf.length - this.end, null);
      } catch (cause) {
        throw new TarError('tar-read', undefined, this.offset, `reading the archive failed: ${(cause as Error).message}`, { cause });
      }
      if (read === 0) return false;
      this.end += read;
    }
    return true;
  }

  /** Are buf[from..to) all zero? */
  zeros(from: number, to: number): boolean {
    const buf = this.buf;
    const words = this.words;
    if (words === undefined || to - from < 16) {
      for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
      return true;
    }
    let i = from;
    for (; (i & 3) !== 0; i++) if (buf[i] !== 0) return false;
    const last = to & ~3;
    for (let w = i >> 2; w < last >> 2; w++) if (words[w] !== 0) return false;
    for (i = last; i < to; i++) if (buf[i] !== 0) return false;
    return true;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}

function wordsOf(buf: Buffer): Int32Array | undefined {
  return buf.byteOffset % 4 === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2) : undefined;
}
