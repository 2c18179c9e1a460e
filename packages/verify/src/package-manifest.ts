import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { viewOf } from './byte-views.js';
import type { Checkpoint } from './checkpoint.js';
import { toBase64 } from './encoding.js';
import { parseNote, verifyNote } from './note.js';
import type { LogKey } from './package-key.js';
import { CheckFailed, checked } from './package-result.js';
import type { PackageScope } from './package-result.js';
import type { MemberList } from './member-list.js';

export const FORMAT = 'cairn-export/v1';
const MANIFEST_NOTE = 'cairn-export-manifest/v1';
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** manifest.json's head: everything but the `files` list. */
export interface ManifestHead {
  readonly log: { readonly origin: string; readonly treeSize: number; readonly rootHash: string; readonly verifierKey: string };
  readonly scope: PackageScope;
  readonly entries: number;
}

/** manifest.json, once its shape is checked. */
export interface Manifest extends ManifestHead {
  readonly files: readonly { readonly path: string; readonly sha256: string; readonly size: number }[];
  /** `scope` as the manifest writes it: its members in the requester's order, which the writer keeps. */
  readonly scopeJson: string;
}

// manifestJson (package-writer.ts) writes the manifest in a fixed layout: this line ends the
// head, and the `files` lines follow, one per file, then FILES_CLOSE.
const FILES_OPEN = '  "files": [\n';
const FILES_OPEN_LINE = Buffer.from(`\n${FILES_OPEN}`, 'latin1');
const FILES_CLOSE = Buffer.from('\n  ]\n}\n', 'latin1');

/**
 * Check 3, the signature: manifest.sig is a signed note by the log key alone whose text is
 * exactly `cairn-export-manifest/v1`, the origin, and `sha256 HEX` of manifest.json.
 */
export function checkManifestSignature(sig: Buffer, manifest: Buffer, key: LogKey, origin: string): void {
  const { text } = checked('manifest.sig', 'manifest-signature', () => verifyNote(sig, [key.verifier]));
  const signatures = parseNote(sig).signatures.length;
  if (signatures !== 1) throw new CheckFailed('manifest.sig', 'manifest-signature', `carries ${signatures} signatures; it has exactly one, by the log key`);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3 || lines[0] !== MANIFEST_NOTE || !/^sha256 [0-9a-f]{64}$/.test(lines[2] as string)) {
    throw new CheckFailed('manifest.sig', 'manifest-signature', `is not the three lines "${MANIFEST_NOTE}", the origin, "sha256 HEX"`);
  }
  if (lines[1] !== origin) {
    throw new CheckFailed('manifest.sig', 'manifest-signature', `names origin ${JSON.stringify(lines[1])}, the checkpoint's is ${JSON.stringify(origin)}`);
  }
  const digest = createHash('sha256').update(manifest).digest('hex');
  if (lines[2] !== `sha256 ${digest}`) {
    throw new CheckFailed('manifest.json', 'manifest-signature', `its SHA-256 is ${digest}, manifest.sig signs ${(lines[2] as string).slice(7)}`);
  }
}

/**
 * Checks 3 (the rest) and 4, manifest.json: it is byte for byte what manifestJson
 * (package-writer.ts) writes for this archive — the head (format, log, scope, entries) as
 * parsed from it, then one `files` line per member (but itself and manifest.sig) with the path,
 * SHA-256 and size read from the archive — and its `log` names the package's checkpoint and
 * key. Only the head is parsed: the `files` lines, one per member, are compared with the members
 * in place, without making a string or an object of any of them.
 *
 * This is stricter than parsing the whole manifest, and says as much when it fails: a manifest
 * that is not that text is then parsed whole, so that a malformed manifest, another log, a file
 * missing or extra, another digest or size is reported as such; one that passes all of those
 * differs in its layout (whitespace, the order of members), and the first such line is named.
 */
export function checkManifest(bytes: Buffer, members: MemberList, checkpoint: Checkpoint, key: LogKey): ManifestHead {
  const head = readHead(bytes);
  if (head !== undefined && filesMatch(bytes, head.end, members)) {
    checkManifestLog(head.manifest, checkpoint, key);
    return head.manifest;
  }
  const manifest = parseManifest(bytes);
  checkManifestLog(manifest, checkpoint, key);
  checkListing(manifest.files, members);
  throw bad(`is not laid out as cairn-export/v1 writes it: ${firstDifference(UTF8.decode(bytes), manifestText(manifest, members))}`);
}

/**
 * The head of a manifest in the writer's layout: its values, and where its `files` lines start.
 * Undefined if the head is not, byte for byte, what the writer writes for the values it holds.
 * A JSON string holds no raw newline, so the first newline followed by FILES_OPEN is the head's end.
 */
function readHead(bytes: Buffer): { manifest: ManifestHead; end: number } | undefined {
  const at = bytes.indexOf(FILES_OPEN_LINE);
  if (at < 0) return undefined;
  const end = at + FILES_OPEN_LINE.length;
  let manifest: Manifest;
  try {
    manifest = shape(JSON.parse(`${UTF8.decode(bytes.subarray(0, end))}]}`));
  } catch {
    return undefined;
  }
  return Buffer.from(headText(manifest), 'utf8').equals(bytes.subarray(0, end)) ? { manifest, end } : undefined;
}

/** The head as manifestJson writes it, up to and including FILES_OPEN. */
function headText(m: Manifest): string {
  const { origin, treeSize, rootHash, verifierKey } = m.log;
  const log = JSON.stringify({ origin, treeSize, rootHash, verifierKey });
  return `{\n  "format": ${JSON.stringify(FORMAT)},\n  "log": ${log},\n  "scope": ${m.scopeJson},\n  "entries": ${m.entries},\n${FILES_OPEN}`;
}

/** Do the `files` lines at `at`, and the manifest's end, list exactly `members` as the writer does? */
function filesMatch(bytes: Buffer, at: number, members: MemberList): boolean {
  const view = viewOf(bytes);
  let p = at;
  for (let i = 0; i < members.length; i++) {
    if (i > 0) {
      if (bytes[p] !== 0x2c || bytes[p + 1] !== 0x0a) return false;
      p += 2;
    }
    p = members.manifestLineAt(i, bytes, view, p);
    if (p < 0) return false;
  }
  return bytes.length - p === FILES_CLOSE.length && bytes.compare(FILES_CLOSE, 0, FILES_CLOSE.length, p) === 0;
}

/** The whole manifest as the writer writes it for `m`'s head and these members (to name a difference). */
function manifestText(m: Manifest, members: MemberList): string {
  const lines: string[] = [];
  for (let i = 0; i < members.length; i++) {
    lines.push(`    ${JSON.stringify({ path: members.path(i), sha256: members.digest(i), size: members.size(i) })}`);
  }
  return `${headText(m)}${lines.join(',\n')}${FILES_CLOSE.toString('latin1')}`;
}

function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  let n = 0;
  while (n < a.length && n < e.length && a[n] === e[n]) n++;
  const show = (line: string | undefined): string => (line === undefined ? 'missing' : JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line));
  return `line ${n + 1} is ${show(a[n])}, expected ${show(e[n])}`;
}

/** Parses manifest.json and checks its shape: exactly the members docs/exports.md lists. */
export function parseManifest(bytes: Buffer): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (cause) {
    throw new CheckFailed('manifest.json', 'manifest', 'is not UTF-8 JSON', { cause });
  }
  return shape(value);
}

function shape(value: unknown): Manifest {
  const m = object(value, ['format', 'log', 'scope', 'entries', 'files'], 'the manifest');
  if (m.format !== FORMAT) throw bad(`format is ${JSON.stringify(m.format)}, not ${JSON.stringify(FORMAT)}`);
  const log = object(m.log, ['origin', 'treeSize', 'rootHash', 'verifierKey'], '"log"');
  if (typeof log.origin !== 'string' || typeof log.rootHash !== 'string' || typeof log.verifierKey !== 'string' || !isCount(log.treeSize)) {
    throw bad('"log" is not {origin, treeSize, rootHash, verifierKey}');
  }
  if (!isCount(m.entries)) throw bad('"entries" is not a count');
  if (!Array.isArray(m.files)) throw bad('"files" is not an array');
  return {
    log: { origin: log.origin, treeSize: log.treeSize, rootHash: log.rootHash, verifierKey: log.verifierKey },
    scope: scope(m.scope),
    scopeJson: JSON.stringify(m.scope),
    entries: m.entries,
    files: m.files as Manifest['files'], // each is checked by checkListing
  };
}

/** Check 3, the rest: manifest.json's `log` names the package's checkpoint and key. */
export function checkManifestLog(manifest: ManifestHead, checkpoint: Checkpoint, key: LogKey): void {
  const { log } = manifest;
  if (log.origin !== checkpoint.origin || log.treeSize !== checkpoint.size || log.rootHash !== toBase64(checkpoint.rootHash)) {
    throw bad(`"log" names ${log.origin} at tree size ${log.treeSize} with root ${log.rootHash}, not the package checkpoint`);
  }
  if (log.verifierKey !== key.vkey) throw bad(`"log" names the key ${log.verifierKey}, not keys/log.vkey`);
}

/**
 * Check 4: manifest.json lists exactly the members (but itself and manifest.sig), sorted by
 * path, each with its SHA-256 and size. Both lists are sorted, so one merge pass finds the
 * first path that is missing on either side.
 */
export function checkListing(files: Manifest['files'], members: MemberList): void {
  let previous = '';
  let j = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i] as { path?: unknown; sha256?: unknown; size?: unknown } | null;
    if (typeof f !== 'object' || f === null || Array.isArray(f) || typeof f.path !== 'string' || typeof f.sha256 !== 'string' || !isCount(f.size) || !hasThreeKeys(f)) {
      throw bad(`files[${i}] is not {path, sha256, size}`);
    }
    if (i > 0 && !(f.path > previous)) throw bad(`files are not sorted by path, or list ${JSON.stringify(f.path)} twice`);
    previous = f.path;
    if (j >= members.length || !members.hasPath(j, f.path)) {
      const path = j < members.length ? members.path(j) : undefined;
      if (path === undefined || f.path < path) throw new CheckFailed(f.path, 'listing', 'is listed in manifest.json but not in the archive');
      throw new CheckFailed(path, 'listing', 'is in the archive but not listed in manifest.json');
    }
    if (!members.hasDigest(j, f.sha256)) throw new CheckFailed(f.path, 'digest', `SHA-256 is ${members.digest(j)}, manifest.json lists ${f.sha256}`);
    if (f.size !== members.size(j)) throw new CheckFailed(f.path, 'digest', `size is ${members.size(j)} bytes, manifest.json lists ${f.size}`);
    j++;
  }
  if (j < members.length) throw new CheckFailed(members.path(j), 'listing', 'is in the archive but not listed in manifest.json');
}

/**
 * Check 4, sha256sums: exactly the `sha256sum` lines (`HEX  PATH`) of the listed files but
 * itself (member `self`), in the manifest's order.
 */
export function checkSha256sums(bytes: Buffer, members: MemberList, self: number): void {
  const view = viewOf(bytes);
  let at = 0;
  for (let i = 0; i < members.length; i++) {
    if (i === self) continue;
    const next = members.sumLineAt(i, bytes, view, at);
    if (next < 0) {
      const end = bytes.indexOf(0x0a, at);
      const line = at >= bytes.length ? 'it ends early' : `line ${bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1} is ${JSON.stringify(bytes.toString('utf8', at, end < 0 ? bytes.length : end).slice(0, 120))}`;
      throw new CheckFailed('sha256sums', 'sha256sums', `does not list the files as manifest.json does: ${line}, expected "${members.digest(i)}  ${members.path(i)}"`);
    }
    at = next;
  }
  if (at !== bytes.length) throw new CheckFailed('sha256sums', 'sha256sums', 'lists more than the files of manifest.json');
}

/** Exactly path, sha256 and size (already known present): no other key. */
function hasThreeKeys(f: object): boolean {
  let n = 0;
  for (const key in f) if (Object.hasOwn(f, key)) n++;
  return n === 3;
}

function scope(value: unknown): PackageScope {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'model') {
    const s = object(value, ['kind', 'model', 'version'], '"scope"');
    if (typeof s.model === 'string' && typeof s.version === 'string') return { kind, model: s.model, version: s.version };
  } else if (kind === 'time') {
    const s = object(value, ['kind', 'from', 'to'], '"scope"');
    if (typeof s.from === 'string' && typeof s.to === 'string') return { kind, from: s.from, to: s.to };
  } else if (kind === 'subject') {
    const s = object(value, ['kind', 'subject'], '"scope"');
    if (typeof s.subject === 'string') return { kind, subject: s.subject };
  }
  throw bad('"scope" is not {kind: "model", model, version}, {kind: "time", from, to} or {kind: "subject", subject}');
}

/** A plain object with exactly these members. */
function object(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${what} is not an object`);
  const actual = Object.keys(value);
  if (actual.length !== keys.length || !keys.every((k) => Object.hasOwn(value, k))) {
    throw bad(`${what} has the members ${actual.join(', ')}, want exactly ${keys.join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function bad(message: string): CheckFailed {
  return new CheckFailed('manifest.json', 'manifest', message);
}
