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

/**
 * Writes a deterministic ustar archive member by member, in strictly increasing name order,
 * hashing the whole archive and each member as the bytes pass. Memory holds one pending chunk
 * and one (path, digest, size) record per member — never the members themselves.
 */
export class PackageWriter {
  readonly #mtime: number;
  readonly #archiveHash = crypto.createHash('sha256');
  readonly #files: PackageFile[] = [];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #written = 0;
  #lastPath = '';

  constructor(mtimeSeconds: number) {
    this.#mtime = mtimeSeconds;
  }

  /** Adds a member; returns the chunks ready to be sent (possibly none). */
  add(path: string, data: Uint8Array | string): Uint8Array[] {
    if (path <= this.#lastPath) throw new CairnError('internal', `package members out of order: ${path} after ${this.#lastPath}`);
    this.#lastPath = path;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#files.push({ path, sha256: crypto.hash('sha256', bytes, 'hex'), size: bytes.length });
    this.#push(tarHeader(path, bytes.length, this.#mtime));
    this.#push(bytes);
    const pad = tarPadding(bytes.length);
    if (pad.length > 0) this.#push(pad);
    return this.#pendingBytes >= FLUSH_AT ? this.flush() : [];
  }

  /** Every member so far, in order. */
  get files(): readonly PackageFile[] {
    return this.#files;
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

  #push(bytes: Uint8Array): void {
    this.#archiveHash.update(bytes);
    this.#written += bytes.length;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }
}

/** `sha256sum -c` input for every member but the manifest, its signature and this file. */
export function sha256sums(files: readonly PackageFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

/** manifest.json: a fixed layout (one file per line) so that the same package gives the same bytes. */
export function manifestJson(head: { log: unknown; scope: unknown; entries: number }, files: readonly PackageFile[]): string {
  const lines = files.map((f) => `    ${JSON.stringify({ path: f.path, sha256: f.sha256, size: f.size })}`);
  return (
    `{\n  "format": ${JSON.stringify(PACKAGE_FORMAT)},\n  "log": ${JSON.stringify(head.log)},\n  "scope": ${JSON.stringify(head.scope)},\n` +
    `  "entries": ${head.entries},\n  "files": [\n${lines.join(',\n')}\n  ]\n}\n`
  );
}

/** The text of manifest.sig before signing: three lines, the last naming manifest.json's SHA-256. */
export function manifestNoteText(origin: string, manifest: string): string {
  return `${MANIFEST_NOTE_HEADER}\n${origin}\nsha256 ${crypto.hash('sha256', manifest, 'hex')}\n`;
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
  return 2 * TAR_BLOCK + block(leafSize) + block(40 + 45 * proofHashes + noteSize);
}
