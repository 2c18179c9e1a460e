import { createHash, hash } from 'node:crypto';
import { range, sameBytes, viewOf } from './byte-views.js';
import { parseCheckpoint, verifyCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { verifyConsistency } from './consistency-proof.js';
import { toBase64 } from './encoding.js';
import { VerifyError } from './error.js';
import { parseNote } from './note.js';
import { EntryChecker } from './package-entries.js';
import { checkEnvelope, checkEvidence, evidenceDigest, isEnvelope } from './package-evidence.js';
import { checkKeys, logKey } from './package-key.js';
import type { LogKey } from './package-key.js';
import { MemberList } from './member-list.js';
import { checkManifest, checkManifestSignature, checkSha256sums, FORMAT } from './package-manifest.js';
import { CheckFailed, checked } from './package-result.js';
import type { PackageResult, PackageSummary } from './package-result.js';
import { TarError, TarScanner } from './tar-read.js';

export interface VerifyPackageOptions {
  /**
   * The log's verifier key as the examiner obtained it, independently of the package
   * (`name+keyid+base64`). Without it the package's own keys/log.vkey is used, and the summary
   * says the key was not pinned.
   */
  readonly key?: string;
  /** A newer signed checkpoint of the same log (the text of `GET /api/v1/log/checkpoint`). */
  readonly newerCheckpoint?: string | Uint8Array;
  /**
   * The consistency proof from the package's tree size to the newer checkpoint's (RFC 9162
   * §2.1.4.2): its hashes, or `{from, to, hashes}` as the API answers (hashes decoded), whose
   * sizes must then match.
   */
  readonly consistencyProof?: readonly Uint8Array[] | { readonly from: number; readonly to: number; readonly hashes: readonly Uint8Array[] };
  /** Called as the archive is read: bytes so far, archive size. */
  readonly onProgress?: (done: number, total: number) => void;
}

// The members a cairn-export/v1 package always has (docs/exports.md, "Package format").
const REQUIRED = ['VERIFY.md', 'checkpoint', 'controls.json', 'keys/log.pem', 'keys/log.vkey', 'manifest.json', 'manifest.sig', 'report.html', 'sha256sums'];
// Of those, the ones checked after the last member, so kept in memory.
const KEPT = new Set(['keys/log.pem', 'keys/log.vkey', 'manifest.json', 'manifest.sig', 'sha256sums']);
const NOT_LISTED = new Set(['manifest.json', 'manifest.sig']);
// What the files kept in memory may weigh: far above any real package, low enough that a forged
// size field cannot make the verifier run out of memory, or past what V8 can make a string of
// (manifest.json is parsed as one).
const KEPT_LIMIT: Readonly<Record<string, number>> = {
  checkpoint: 1 << 16,
  'keys/log.pem': 1 << 16,
  'keys/log.vkey': 1 << 16,
  'manifest.sig': 1 << 16,
  'manifest.json': (1 << 29) - 24,
  sha256sums: 2 ** 31,
};
const ENTRY_LIMIT = 1 << 24;
// Far above any real package (two members an entry), low enough that the member list's names
// (at most ~100 bytes each, by the layout) stay within what its typed arrays index.
const MEMBER_LIMIT = 1 << 24;
const NO_COMMITMENTS = { has: (): boolean => false };
const ENVELOPE_LIMIT = 1 << 26;

/**
 * Verifies a compliance package (`cairn-export/v1`, docs/exports.md) from a file path or its
 * bytes, in one streaming pass, and says what it proves. Every check of "What a verifier
 * checks" is made; the first that fails is returned as `{ ok: false, failure: { file, check,
 * message } }`. Bad package bytes never throw; a malformed `options.key` or a newer checkpoint
 * without its consistency proof (or the converse) throws a VerifyError, as a programmer error.
 *
 * @example
 * const result = verifyPackage('review.tar', { key: publishedVkey });
 * if (result.ok) console.log(`${result.summary.entries.count} entries proven into ${result.summary.checkpoint.origin}`);
 * else console.error(`FAILED: ${result.failure.file}: ${result.failure.check}: ${result.failure.message}`);
 */
export function verifyPackage(source: string | Uint8Array, options: VerifyPackageOptions = {}): PackageResult {
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new VerifyError('invalid_argument', 'source must be a file path or a Uint8Array');
  }
  const pinned = options.key === undefined ? undefined : logKey(options.key);
  if ((options.newerCheckpoint === undefined) !== (options.consistencyProof === undefined)) {
    throw new VerifyError('invalid_argument', 'newerCheckpoint and consistencyProof are given together');
  }

  let summary: PackageSummary;
  let key: LogKey;
  try {
    ({ summary, key } = new PackageRun(pinned, options.onProgress).verify(source));
  } catch (err) {
    if (err instanceof CheckFailed) return { ok: false, failure: err.failure };
    if (err instanceof TarError) return { ok: false, failure: { file: err.member ?? '(archive)', check: err.check, message: err.message } };
    throw err;
  }
  if (options.newerCheckpoint === undefined || options.consistencyProof === undefined) return { ok: true, summary };
  try {
    const newer = checkNewer(summary, key, options.newerCheckpoint, options.consistencyProof);
    return { ok: true, summary: { ...summary, newerCheckpoint: { treeSize: newer.size, rootHash: toBase64(newer.rootHash) } } };
  } catch (err) {
    if (err instanceof CheckFailed) return { ok: false, failure: err.failure, summary };
    throw err;
  }
}

/** One verification: the state kept while the members stream past, and the checks at the end. */
class PackageRun {
  readonly #pinned: LogKey | undefined;
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  readonly #members = new MemberList();
  readonly #kept = new Map<string, Buffer>();
  readonly #seen = new Set<string>();
  readonly #envelopes: { path: string; data: Buffer }[] = [];
  #count = 0;
  #sums = -1;
  #bytes = 0;
  #mtime = -1;
  #evidence = 0;
  #checkpointNote: Buffer | undefined;
  #entries: EntryChecker | undefined;

  constructor(pinned: LogKey | undefined, onProgress: ((done: number, total: number) => void) | undefined) {
    this.#pinned = pinned;
    this.#onProgress = onProgress;
  }

  verify(source: string | Uint8Array): { summary: PackageSummary; key: LogKey } {
    const onProgress = (done: number, total: number): void => {
      this.#bytes = total;
      this.#onProgress?.(done, total);
    };
    const scanner = new TarScanner(source, { onProgress });
    try {
      while (scanner.next()) this.#member(scanner);
    } finally {
      scanner.close();
    }
    return this.#finish();
  }

  #member(m: TarScanner): void {
    if (this.#mtime < 0) this.#mtime = m.mtime;
    else if (m.mtime !== this.#mtime) throw new CheckFailed(m.path, 'tar-header', `mtime ${m.mtime} differs from the other members' ${this.#mtime} (one mtime for all)`);
    if (++this.#count > MEMBER_LIMIT) throw new CheckFailed(m.path, 'layout', `is member ${this.#count}, more than the ${MEMBER_LIMIT} this verifier lists`);

    // Entries are most of a package: they are recognised from the name's bytes, without
    // making a string of it.
    const entry = entryName(m.name, m.nameView, m.nameLength);
    if (entry >= 0) {
      const index = Math.floor(entry / 2);
      const proof = entry % 2 === 1;
      this.#members.add(m.nameView, m.nameLength, m.size, this.#entry(index, proof, m));
      return;
    }
    const { path } = m;
    if (path.startsWith('entries/')) throw new CheckFailed(path, 'layout', 'is not entries/NNNNNNNNNNNN.json or entries/NNNNNNNNNNNN.tlog-proof');
    this.#entries?.settle();
    let digest = '';
    const named = path.startsWith('evidence/') ? evidenceDigest(path) : undefined;
    if (named !== undefined) {
      digest = this.#evidenceFile(path, named, m);
    } else if (!REQUIRED.includes(path)) {
      throw new CheckFailed(path, 'layout', 'is not a member of a cairn-export/v1 package');
    } else if (path === 'checkpoint' || KEPT.has(path)) {
      const data = copy(m, KEPT_LIMIT[path] as number);
      if (path === 'checkpoint') this.#readCheckpoint(data);
      else this.#kept.set(path, data);
      if (!NOT_LISTED.has(path)) digest = hash('sha256', data, 'binary');
    } else {
      digest = digestOf(m);
    }
    this.#seen.add(path);
    if (NOT_LISTED.has(path)) return;
    const i = this.#members.add(m.nameView, m.nameLength, m.size, digest);
    if (path === 'sha256sums') this.#sums = i;
  }

  #entry(index: number, proof: boolean, m: TarScanner): string {
    const entries = this.#entries;
    if (entries === undefined) throw new CheckFailed('checkpoint', 'layout', 'is missing: the entries have nothing to be proven into');
    let buf = m.buf;
    let view = m.view;
    let start = m.dataStart;
    if (start < 0) {
      // Too big to lie whole in the reader's buffer (never so for a real entry): a copy, with
      // the zero byte in front that the leaf hash needs.
      buf = Buffer.concat([Buffer.alloc(1), copy(m, ENTRY_LIMIT)]);
      view = viewOf(buf);
      start = 1;
    }
    const end = start + m.size;
    if (proof) entries.proof(index, buf, view, start, end);
    else entries.entry(index, buf, view, start, end);
    return hash('sha256', range(buf, start, end), 'binary');
  }

  #evidenceFile(path: string, named: string, m: TarScanner): string {
    this.#evidence++;
    let digest: string;
    if (isEnvelope(path)) {
      const data = copy(m, ENVELOPE_LIMIT);
      this.#envelopes.push({ path, data });
      digest = hash('sha256', data, 'binary');
    } else {
      digest = digestOf(m);
    }
    checkEvidence(path, named, Buffer.from(digest, 'latin1').toString('hex'), this.#entries?.committed ?? NO_COMMITMENTS);
    return digest;
  }

  /**
   * Reads the checkpoint's tree size and root hash, for the proofs that follow. Its signature is
   * checked at the end, after the key (keys/ sorts last): nothing is concluded before then.
   */
  #readCheckpoint(note: Buffer): void {
    const text = checked('checkpoint', 'checkpoint', () => parseNote(note).text);
    const checkpoint = checked('checkpoint', 'checkpoint', () => parseCheckpoint(text));
    this.#checkpointNote = note;
    this.#entries = new EntryChecker(note, checkpoint.size, checkpoint.rootHash);
  }

  #finish(): { summary: PackageSummary; key: LogKey } {
    this.#entries?.settle();
    for (const path of REQUIRED) {
      if (!this.#seen.has(path)) throw new CheckFailed(path, 'layout', 'is missing from the package');
    }
    const kept = (path: string): Buffer => this.#kept.get(path) as Buffer;
    const entries = this.#entries as EntryChecker;

    const key = checkKeys(kept('keys/log.vkey'), kept('keys/log.pem'), this.#pinned);
    const checkpoint = verifyPackageCheckpoint(this.#checkpointNote as Buffer, key);
    checkManifestSignature(kept('manifest.sig'), kept('manifest.json'), key, checkpoint.origin);
    const manifest = checkManifest(kept('manifest.json'), this.#members, checkpoint, key);
    checkSha256sums(kept('sha256sums'), this.#members, this.#sums);
    if (manifest.entries !== entries.count) {
      throw new CheckFailed('manifest.json', 'manifest', `counts ${manifest.entries} entries, the package has ${entries.count}`);
    }
    for (const { path, data } of this.#envelopes) checkEnvelope(path, data, key);

    const summary: PackageSummary = {
      format: FORMAT,
      scope: manifest.scope,
      checkpoint: { origin: checkpoint.origin, treeSize: checkpoint.size, rootHash: toBase64(checkpoint.rootHash) },
      key: { vkey: key.vkey, fingerprint: key.fingerprint, pinned: this.#pinned !== undefined },
      entries: {
        count: entries.count,
        firstIndex: entries.firstIndex,
        lastIndex: entries.lastIndex,
        firstTime: entries.firstTime,
        lastTime: entries.lastTime,
      },
      evidence: { files: this.#evidence, dsseBundles: this.#envelopes.length },
      files: this.#count,
      bytes: this.#bytes,
    };
    return { summary, key };
  }
}

/**
 * Check 2: the checkpoint is a signed note by the log key, whose origin is the key's name. It
 * carries exactly one signature, the log key's: VERIFY.md's shell steps check the signature line
 * named after the origin and no other.
 */
function verifyPackageCheckpoint(note: Buffer, key: LogKey): Checkpoint {
  const checkpoint = checked('checkpoint', 'checkpoint', () => verifyCheckpoint(note, key.verifier));
  const signatures = parseNote(note).signatures.length;
  if (signatures !== 1) throw new CheckFailed('checkpoint', 'checkpoint', `carries ${signatures} signatures; it has exactly one, by the log key`);
  return checkpoint;
}

/** A newer checkpoint by the same key, and RFC 9162 §2.1.4.2 from the package's tree to it. */
function checkNewer(summary: PackageSummary, key: LogKey, note: string | Uint8Array, proof: NonNullable<VerifyPackageOptions['consistencyProof']>): Checkpoint {
  const { origin, treeSize } = summary.checkpoint;
  const newer = checked('(newer checkpoint)', 'newer-checkpoint', () => verifyCheckpoint(note, key.verifier, { origin }));
  const hashes = Array.isArray(proof) ? (proof as readonly Uint8Array[]) : (proof as { hashes: readonly Uint8Array[] }).hashes;
  if (!Array.isArray(proof)) {
    const { from, to } = proof as { from: number; to: number };
    if (from !== treeSize || to !== newer.size) {
      throw new CheckFailed('(consistency proof)', 'consistency', `proves sizes ${from} to ${to}, not the package's ${treeSize} to the newer checkpoint's ${newer.size}`);
    }
  }
  const rootHash = Buffer.from(summary.checkpoint.rootHash, 'base64');
  checked('(consistency proof)', 'consistency', () => verifyConsistency(treeSize, newer.size, hashes, rootHash, newer.rootHash));
  return newer;
}

const ENTRIES = viewOf(Buffer.from('entries/', 'latin1'));
const JSON_SUFFIX = viewOf(Buffer.from('.json', 'latin1'));
const PROOF_SUFFIX = viewOf(Buffer.from('.tlog-proof', 'latin1'));

/**
 * For entries/N.json 2N, for entries/N.tlog-proof 2N + 1 (N twelve digits), else -1; from the
 * name's bytes `name[0..length)` (`view` its DataView).
 */
function entryName(name: Buffer, view: DataView, length: number): number {
  const suffix = length === 20 + JSON_SUFFIX.byteLength ? JSON_SUFFIX : length === 20 + PROOF_SUFFIX.byteLength ? PROOF_SUFFIX : undefined;
  if (suffix === undefined || !sameBytes(view, 0, ENTRIES, 0, 8) || !sameBytes(view, 20, suffix, 0, suffix.byteLength)) return -1;
  let index = 0;
  for (let i = 8; i < 20; i++) {
    const digit = (name[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    index = index * 10 + digit;
  }
  return 2 * index + (suffix === PROOF_SUFFIX ? 1 : 0);
}

/** A copy of the current member's content, to keep past the next member; at most `limit` bytes. */
function copy(m: TarScanner, limit: number): Buffer {
  if (m.size > limit) throw new CheckFailed(m.path, 'layout', `is ${m.size} bytes, more than the ${limit} this verifier keeps in memory to check`);
  if (m.dataStart >= 0) return Buffer.from(m.buf.subarray(m.dataStart, m.dataStart + m.size));
  const data = Buffer.allocUnsafe(m.size);
  let at = 0;
  for (const chunk of m.chunks()) at += chunk.copy(data, at);
  return data;
}

/** The SHA-256 of the current member's content, as a latin1 ('binary') string. */
function digestOf(m: TarScanner): string {
  if (m.dataStart >= 0) return hash('sha256', range(m.buf, m.dataStart, m.dataStart + m.size), 'binary');
  const h = createHash('sha256');
  for (const chunk of m.chunks()) h.update(chunk);
  return h.digest('binary');
}
