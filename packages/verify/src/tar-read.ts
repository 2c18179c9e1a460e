import { TAR_BLOCK, TAR_RECORD } from './tar.js';
import { TarError } from './tar-error.js';
import { TarHeader } from './tar-header.js';
import { TarInput } from './tar-input.js';

/**
 * Reads the archives tar.ts writes, and nothing looser: a strict, streaming POSIX ustar reader.
 * A file is read in large chunks, so memory stays flat however big the archive is. Headers are
 * checked in tar-header.ts, bytes come from tar-input.ts.
 */

export { TarError } from './tar-error.js';
export type { TarCheck } from './tar-error.js';

/** One regular file of the archive. */
export interface TarMember {
  readonly path: string;
  readonly size: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /** Offset of the member's header in the archive. */
  readonly offset: number;
  /**
   * The whole content when `size` is at most `wholeLimit`, else undefined. A view into the
   * reader's buffer: valid only until the next member is requested (copy it to keep it).
   */
  readonly data: Buffer | undefined;
  /**
   * The content in order, as views valid until the next chunk is requested. Works for every
   * member; content not consumed before the next member is requested is read and skipped.
   */
  chunks(): Generator<Buffer, void, undefined>;
}

export interface TarReadOptions {
  /** Members up to this many bytes come whole in `data`. Default 1 MiB. */
  readonly wholeLimit?: number;
  /** Bytes read from a file at a time. Default 4 MiB. */
  readonly chunkSize?: number;
  /** Called as the archive is read: bytes so far, archive size. */
  readonly onProgress?: (done: number, total: number) => void;
}

const DEFAULT_WHOLE_LIMIT = 1 << 20;
const DEFAULT_CHUNK_SIZE = 4 << 20;
const PROGRESS_STEP = 4 << 20;

/**
 * Reads the members of a ustar archive, from a file path or from bytes, checking as it goes:
 * header checksums; magic `ustar\0` and version `00`; type `0` only; mode, owner and device
 * fields exactly as tar.ts writes them; octal size and mtime; safe relative names (no leading
 * `/`, no empty, `.` or `..` segments, no control characters or backslashes, valid UTF-8, split
 * into prefix and name as the writer splits them) in strictly increasing byte order; zero
 * padding after each member; two zero blocks at the end, zeros to a whole 10240-byte record and
 * nothing after. Any violation, and truncation, throws a {@link TarError}.
 *
 * @example
 * for (const member of readTar('package.tar')) {
 *   const hash = createHash('sha256');
 *   for (const chunk of member.chunks()) hash.update(chunk);
 *   console.log(member.path, hash.digest('hex'));
 * }
 */
export function* readTar(source: string | Uint8Array, options: TarReadOptions = {}): Generator<TarMember, void, undefined> {
  const scanner = new TarScanner(source, options);
  try {
    while (scanner.next()) {
      const { buf, dataStart, size } = scanner;
      yield new Member(scanner, dataStart >= 0 ? buf.subarray(dataStart, dataStart + size) : undefined);
    }
  } finally {
    scanner.close();
  }
}

/**
 * The reader behind {@link readTar}, pulled one member at a time without allocating per member:
 * after `next()` returns true, the fields describe the current member. Small members lie whole
 * in `buf` from `dataStart`, right after their header, whose last byte is always 0.
 */
export class TarScanner {
  size = 0;
  mtime = 0;
  /** Offset of the member's header in the archive. */
  offset = 0;
  /** Where the whole content starts in `buf`, or -1 if it is to be read with chunks(). */
  dataStart = -1;

  readonly #input: TarInput;
  readonly #header = new TarHeader();
  readonly #wholeLimit: number;
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  #reported = 0;
  #padding = -1;
  #done = false;

  constructor(source: string | Uint8Array, options: TarReadOptions = {}) {
    this.#wholeLimit = options.wholeLimit ?? DEFAULT_WHOLE_LIMIT;
    this.#onProgress = options.onProgress;
    this.#input = TarInput.open(source, Math.max(options.chunkSize ?? DEFAULT_CHUNK_SIZE, this.#wholeLimit + TAR_BLOCK, TAR_RECORD));
  }

  /** The current member's name. */
  get path(): string {
    return this.#header.path;
  }

  /** The current member's name as bytes, `name[0..nameLength)`: valid until next(). */
  get name(): Buffer {
    return this.#header.name;
  }

  /** `name` as a DataView. */
  get nameView(): DataView {
    return this.#header.nameView;
  }

  get nameLength(): number {
    return this.#header.nameLength;
  }

  /** The buffer `dataStart` points into; valid until the next call of next() or chunks(). */
  get buf(): Buffer {
    return this.#input.buf;
  }

  /** `buf` as a DataView; valid as long as `buf`. */
  get view(): DataView {
    return this.#input.view;
  }

  /** Size of the archive in bytes. */
  get total(): number {
    return this.#input.total;
  }

  /** Moves to the next member: false at the (checked) end of the archive. Throws TarError. */
  next(): boolean {
    if (this.#done) return false;
    const input = this.#input;
    if (this.#padding >= 0) this.#skipRest();
    const offset = input.offset;
    if (this.#onProgress !== undefined && offset - this.#reported >= PROGRESS_STEP) {
      this.#reported = offset;
      this.#onProgress(offset, input.total);
    }
    if (!input.ensure(TAR_BLOCK)) {
      throw new TarError('tar-truncated', undefined, offset, `archive ends at byte ${offset} without the two zero blocks that close it`);
    }
    if (input.buf[input.pos] === 0 && input.zeros(input.pos, input.pos + TAR_BLOCK)) {
      input.pos += TAR_BLOCK;
      readEnd(input, offset);
      this.#done = true;
      this.#padding = -1;
      this.#onProgress?.(input.offset, input.total);
      return false;
    }
    const header = this.#header;
    header.read(input.buf, input.words, input.pos, offset);
    this.size = header.size;
    this.mtime = header.mtime;
    this.offset = offset;
    this.#padding = (TAR_BLOCK - (header.size % TAR_BLOCK)) % TAR_BLOCK;
    if (header.size <= this.#wholeLimit) {
      // Header and content in one piece, so that the header's last (zero) byte precedes it.
      if (!input.ensure(TAR_BLOCK + header.size)) throw truncated(this.path, input);
      this.dataStart = input.pos + TAR_BLOCK;
      input.pos += TAR_BLOCK + header.size;
      input.remaining = 0;
    } else {
      this.dataStart = -1;
      input.pos += TAR_BLOCK;
      input.remaining = header.size;
    }
    return true;
  }

  /** The current member's content in order, as views valid until the next chunk is requested. */
  *chunks(): Generator<Buffer, void, undefined> {
    const input = this.#input;
    if (this.dataStart >= 0) {
      yield input.buf.subarray(this.dataStart, this.dataStart + this.size);
      return;
    }
    while (input.remaining > 0) {
      if (input.pos === input.end && !input.ensure(1)) throw truncated(this.path, input);
      const n = Math.min(input.remaining, input.end - input.pos);
      const chunk = input.buf.subarray(input.pos, input.pos + n);
      input.pos += n;
      input.remaining -= n;
      yield chunk;
    }
  }

  close(): void {
    this.#input.close();
  }

  /** Skips what is left of the current member's content and checks its padding. */
  #skipRest(): void {
    const input = this.#input;
    while (input.remaining > 0) {
      if (input.pos === input.end && !input.ensure(1)) throw truncated(this.path, input);
      const n = Math.min(input.remaining, input.end - input.pos);
      input.pos += n;
      input.remaining -= n;
    }
    const padding = this.#padding;
    if (!input.ensure(padding)) throw truncated(this.path, input);
    if (!input.zeros(input.pos, input.pos + padding)) {
      throw new TarError('tar-padding', this.path, input.offset, `member ${this.path}: the padding after its data is not zero`);
    }
    input.pos += padding;
    this.#padding = -1;
  }
}

class Member implements TarMember {
  readonly path: string;
  readonly size: number;
  readonly mtime: number;
  readonly offset: number;
  readonly data: Buffer | undefined;
  readonly #scanner: TarScanner;

  constructor(scanner: TarScanner, data: Buffer | undefined) {
    this.path = scanner.path;
    this.size = scanner.size;
    this.mtime = scanner.mtime;
    this.offset = scanner.offset;
    this.data = data;
    this.#scanner = scanner;
  }

  *chunks(): Generator<Buffer, void, undefined> {
    if (this.data !== undefined) yield this.data;
    else yield* this.#scanner.chunks();
  }
}

/** After the first zero block at `offset`: a second one, zeros to a whole record, then the end. */
function readEnd(input: TarInput, offset: number): void {
  if (!input.ensure(TAR_BLOCK)) {
    throw new TarError('tar-truncated', undefined, input.offset, `archive ends after one zero block at byte ${offset}; two close it`);
  }
  if (!input.zeros(input.pos, input.pos + TAR_BLOCK)) {
    throw new TarError('tar-end', undefined, input.offset, `the zero block at byte ${offset} is not followed by a second zero block`);
  }
  input.pos += TAR_BLOCK;
  const used = offset + 2 * TAR_BLOCK;
  let padding = (TAR_RECORD - (used % TAR_RECORD)) % TAR_RECORD;
  while (padding > 0) {
    if (input.pos === input.end && !input.ensure(1)) {
      throw new TarError('tar-truncated', undefined, input.offset, `archive is ${input.offset} bytes, not padded to a multiple of ${TAR_RECORD}`);
    }
    const n = Math.min(padding, input.end - input.pos, TAR_BLOCK);
    if (!input.zeros(input.pos, input.pos + n)) {
      throw new TarError('tar-end', undefined, input.offset, 'the padding after the end of the archive is not zero');
    }
    input.pos += n;
    padding -= n;
  }
  if (input.ensure(1)) {
    throw new TarError('tar-end', undefined, input.offset, `${input.total - input.offset} bytes follow the end of the archive at byte ${input.offset}`);
  }
}

function truncated(path: string, input: TarInput): TarError {
  return new TarError('tar-truncated', path, input.offset, `member ${path}: archive ends at byte ${input.total} in the middle of its data or padding`);
}
