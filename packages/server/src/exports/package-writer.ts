import crypto from 'node:crypto';
import { tarEnd, tarHeader, tarPadding, TAR_BLOCK } from '@cairn/verify';
import { CairnError } from '../errors/catalog.js';

export const PACKAGE_FORMAT = 'cairn-export/v1';
export const MANIFEST_NOTE_HEADER = 'cairn-export-manifest/v1';

export interface PackageFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** Chunks handed to the consumer are about this size: fewer, larger writes to the socket or file. */
const FLUSH_AT = 256 * 1024;
/** Generated members (manifest.json, sha256sums) are produced in pieces of about this size. */
const PIECE = 64 * 1024;

/**
 * Every member's path, SHA-256 and size, packed: about 70 bytes a member instead of three JS
 * objects and strings, so that a package of a million entries does not hold a million records.
 */
export class FileTable {
  #paths: Buffer = Buffer.alloc(64 * 1024);
  #digests: Buffer = Buffer.alloc(32 * 1024);
  #pathsUsed = 0;
  readonly #pathEnds: number[] = [];
  readonly #sizes: number[] = [];

  get length(): number {
    return this.#sizes.length;
  }

  push(path: string, digest: Uint8Array, size: number): void {
    const bytes = Buffer.byteLength(path);
    this.#paths = ensure(this.#paths, this.#pathsUsed + bytes);
    this.#paths.write(path, this.#pathsUsed, 'utf8');
    this.#pathsUsed += bytes;
    this.#pathEnds.push(this.#pathsUsed);
    this.#digests = ensure(this.#digests, this.#sizes.length * 32 + 32);
    this.#digests.set(digest, this.#sizes.length * 32);
    this.#sizes.push(size);
  }

  get(i: number): PackageFile {
    const start = i === 0 ? 0 : this.#pathEnds[i - 1]!;
    return {
      path: this.#paths.toString('utf8', start, this.#pathEnds[i]!),
      sha256: this.#digests.toString('hex', i * 32, i * 32 + 32),
      size: this.#sizes[i]!,
    };
  }

  *[Symbol.iterator](): Generator<PackageFile> {
    for (let i = 0; i < this.length; i += 1) yield this.get(i);
  }
}

function ensure(buffer: Buffer, size: number): Buffer {
  if (size <= buffer.length) return buffer;
  const grown = Buffer.alloc(Math.max(size, buffer.length * 2));
  buffer.copy(grown);
  return grown;
}

/**
 * Writes a deterministic ustar archive member by member, in strictly increasing name order,
 * hashing the whole archive and each member as the bytes pass. Memory holds one pending chunk
 * and the packed file table — never the members themselves.
 */
export class PackageWriter {
  readonly #mtime: number;
  readonly #archiveHash = crypto.createHash('sha256');
  readonly files = new FileTable();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #written = 0;
  #lastPath = '';

  constructor(mtimeSeconds: number) {
    this.#mtime = mtimeSeconds;
  }

  /** Adds a member; returns the chunks ready to be sent (possibly none). */
  add(path: string, data: Uint8Array | string): Uint8Array[] {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#begin(path, crypto.hash('sha256', bytes, 'buffer'), bytes.length);
    this.#push(bytes);
    return this.#end(bytes.length);
  }

  /**
   * Adds a member produced in pieces by `produce`, which is called twice — once to learn the
   * member's size and digest (the header comes first), once to write it — so a member of any
   * size never sits whole in memory. `produce` must give the same pieces both times.
   */
  *addGenerated(path: string, produce: () => Iterable<string>): Generator<Uint8Array> {
    const { sha256, size } = measure(produce());
    this.#begin(path, Buffer.from(sha256, 'hex'), size);
    let written = 0;
    for (const piece of produce()) {
      const bytes = Buffer.from(piece, 'utf8');
      written += bytes.length;
      this.#push(bytes);
      if (this.#pendingBytes >= FLUSH_AT) yield* this.flush();
    }
    if (written !== size) throw new CairnError('internal', `${path} changed between its two passes`);
    yield* this.#end(size);
  }

  /** Ends the archive; returns the last chunks and the archive's SHA-256 and size. */
  finish(): { chunks: Uint8Array[]; sha256: string; size: number } {
    this.#push(tarEnd(this.#written));
    const chunks = this.flush();
    return { chunks, sha256: this.#archiveHash.digest('hex'), size: this.#written };
  }

  flush(): Uint8Array[] {
    if (this.#pending.length === 0) return [];
    const chunk = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return [chunk];
  }

  #begin(path: string, digest: Uint8Array, size: number): void {
    if (path <= this.#lastPath) throw new CairnError('internal', `package members out of order: ${path} after ${this.#lastPath}`);
    this.#lastPath = path;
    this.files.push(path, digest, size);
    this.#push(tarHeader(path, size, this.#mtime));
  }

  #end(size: number): Uint8Array[] {
    const pad = tarPadding(size);
    if (pad.length > 0) this.#push(pad);
    return this.#pendingBytes >= FLUSH_AT ? this.flush() : [];
  }

  #push(bytes: Uint8Array): void {
    this.#archiveHash.update(bytes);
    this.#written += bytes.length;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }
}

/** SHA-256 (hex) and size of a member produced in pieces, without keeping it. */
export function measure(pieces: Iterable<string>): { sha256: string; size: number } {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for (const piece of pieces) {
    hash.update(piece, 'utf8');
    size += Buffer.byteLength(piece);
  }
  return { sha256: hash.digest('hex'), size };
}

/** Groups short strings into pieces of about PIECE characters. */
function* pieces(lines: Iterable<string>): Generator<string> {
  let piece = '';
  for (const line of lines) {
    piece += line;
    if (piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/** `sha256sum -c` input for `files` (every member but the manifest, its signature and this file). */
export function sha256sums(files: Iterable<PackageFile>): Iterable<string> {
  return pieces(
    (function* () {
      for (const f of files) yield `${f.sha256}  ${f.path}\n`;
    })(),
  );
}

/** manifest.json: a fixed layout (one file per line) so that the same package gives the same bytes. */
export function manifestJson(head: { log: unknown; scope: unknown; entries: number }, files: Iterable<PackageFile>): Iterable<string> {
  return pieces(
    (function* () {
      yield `{\n  "format": ${JSON.stringify(PACKAGE_FORMAT)},\n  "log": ${JSON.stringify(head.log)},\n  "scope": ${JSON.stringify(head.scope)},\n`;
      yield `  "entries": ${head.entries},\n  "files": [\n`;
      let first = true;
      for (const f of files) {
        yield `${first ? '' : ',\n'}    ${JSON.stringify({ path: f.path, sha256: f.sha256, size: f.size })}`;
        first = false;
      }
      yield '\n  ]\n}\n';
    })(),
  );
}

/** The text of manifest.sig before signing: three lines, the last naming manifest.json's SHA-256. */
export function manifestNoteText(origin: string, manifestSha256: string): string {
  return `${MANIFEST_NOTE_HEADER}\n${origin}\nsha256 ${manifestSha256}\n`;
}

/** Path of an entry's leaf or proof: zero-padded to 12 digits so that name order is index order. */
export function entryPath(index: number, ext: 'json' | 'tlog-proof'): string {
  return `entries/${String(index).padStart(12, '0')}.${ext}`;
}

/** c2sp.org/tlog-proof@v1 without extra data: index, proof hashes, blank line, checkpoint verbatim. */
export function tlogProof(index: number, hashes: readonly Uint8Array[], checkpointNote: string): string {
  let text = `c2sp.org/tlog-proof@v1\nindex ${index}\n`;
  for (const h of hashes) text += `${Buffer.from(h).toString('base64')}\n`;
  return `${text}\n${checkpointNote}`;
}

/** A rough size of an entry's two members in the archive, for progress estimates. */
export function estimatedEntryBytes(leafSize: number, proofHashes: number, noteSize: number): number {
  const block = (n: number) => Math.ceil(n / TAR_BLOCK) * TAR_BLOCK;
  // Two members, and their two lines in manifest.json (~130 bytes) and sha256sums (~95 bytes).
  return 2 * TAR_BLOCK + block(leafSize) + block(40 + 45 * proofHashes + noteSize) + 2 * 225;
}
