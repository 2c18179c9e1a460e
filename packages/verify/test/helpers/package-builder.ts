// Builds small cairn-export/v1 packages for tests, the way docs/exports.md describes them: a
// real RFC 6962 log (leaf and node hashes from src/merkle.ts), checkpoint and manifest notes
// and DSSE envelopes signed with a fresh Ed25519 key, tar members from src/tar.ts. Hooks let a
// test change the files before or after the manifest is computed.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  canonicalBytes,
  formatCheckpoint,
  formatNote,
  formatVerifierKey,
  leafHash,
  nodeHash,
  noteKeyId,
  pae,
  rootFromLeafHashes,
  tarEnd,
  tarHeader,
  tarPadding,
} from '../../src/index.js';

export const ORIGIN = 'cairn.test/log';

/** A test-only log key: the verifier never signs. */
export interface TestKey {
  readonly name: string;
  readonly vkey: string;
  readonly pem: string;
  readonly privateKey: KeyObject;
  readonly signNote: (text: string) => string;
  readonly sign: (message: Uint8Array) => Buffer;
}

export function testKey(name = ORIGIN): TestKey {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const keyId = noteKeyId(name, 0x01, publicKey);
  const signMessage = (message: Uint8Array): Buffer => sign(null, message, pair.privateKey);
  return {
    name,
    vkey: formatVerifierKey(name, publicKey),
    pem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    privateKey: pair.privateKey,
    sign: signMessage,
    signNote: (text) => formatNote({ text, signatures: [{ name, keyId, signature: signMessage(Buffer.from(text, 'utf8')) }] }),
  };
}

const sha256hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** An in-memory RFC 6962 log over leaf bytes, with the proofs of RFC 9162 §2.1.3.1 and §2.1.4.1. */
export class TestLog {
  readonly leaves: Uint8Array[];
  readonly #hashes: Uint8Array[];

  constructor(leaves: Uint8Array[]) {
    this.leaves = leaves;
    this.#hashes = leaves.map((leaf) => leafHash(leaf));
  }

  root(size: number): Uint8Array {
    return rootFromLeafHashes(this.#hashes.slice(0, size));
  }

  /** PATH(m, D[n]). */
  inclusion(index: number, size: number): Uint8Array[] {
    const path = (m: number, d: Uint8Array[]): Uint8Array[] => {
      if (d.length === 1) return [];
      const k = split(d.length);
      return m < k ? [...path(m, d.slice(0, k)), rootFromLeafHashes(d.slice(k))] : [...path(m - k, d.slice(k)), rootFromLeafHashes(d.slice(0, k))];
    };
    return path(index, this.#hashes.slice(0, size));
  }

  /** PROOF(m, D[n]). */
  consistency(from: number, to: number): Uint8Array[] {
    const subproof = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
      if (m === d.length) return b ? [] : [rootFromLeafHashes(d)];
      const k = split(d.length);
      return m <= k
        ? [...subproof(m, d.slice(0, k), b), rootFromLeafHashes(d.slice(k))]
        : [...subproof(m - k, d.slice(k), false), rootFromLeafHashes(d.slice(0, k))];
    };
    return from === 0 || from === to ? [] : subproof(from, this.#hashes.slice(0, to), true);
  }

  /** A checkpoint note of the first `size` leaves, signed by `key`. */
  checkpoint(size: number, key: TestKey, origin = key.name): string {
    return key.signNote(formatCheckpoint({ origin, size, rootHash: this.root(size), extensions: [] }));
  }
}

export function nodeOf(left: Uint8Array, right: Uint8Array): Uint8Array {
  return nodeHash(left, right);
}

/** c2sp.org/tlog-proof@v1 without an extra line. */
export function tlogProof(index: number, hashes: readonly Uint8Array[], checkpointNote: string): string {
  return `c2sp.org/tlog-proof@v1\nindex ${index}\n${hashes.map((h) => `${b64(h)}\n`).join('')}\n${checkpointNote}`;
}

/** A ustar archive of these members, in the given order, as the server writes it. */
export function tarArchive(members: readonly (readonly [string, Uint8Array | string])[], mtime = 1767225600): Uint8Array {
  const parts: Uint8Array[] = [];
  let written = 0;
  for (const [path, content] of members) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (const part of [tarHeader(path, data.length, mtime), data, tarPadding(data.length)]) {
      parts.push(part);
      written += part.length;
    }
  }
  parts.push(tarEnd(written));
  return Buffer.concat(parts);
}

export interface PackageSpec {
  /** The log key (default: a fresh one). */
  readonly key?: TestKey;
  /** The key that signs the checkpoint (default: the log key). */
  readonly checkpointKey?: TestKey;
  /** The package's tree size (default 12); the log itself has `treeSize + 8` leaves. */
  readonly treeSize?: number;
  /** Indices of the entries in the package (default 2, 3, 4, 7, 11). */
  readonly indices?: readonly number[];
  /** More `sha256:HEX` digests the first entry of the package commits to. */
  readonly commitments?: readonly string[];
  /** Changes the checkpoint note (e.g. adds a cosignature) before the proofs reproduce it. */
  readonly checkpointNote?: (note: string) => string;
  /** Sign each DSSE envelope with this key instead of the log key. */
  readonly envelopeKey?: TestKey;
  /**
   * Changes the files before manifest.json, manifest.sig and sha256sums are computed from them
   * (a sha256sums set here is kept as it is).
   */
  readonly beforeManifest?: (files: Map<string, Uint8Array>) => void;
  /** Changes manifest.json's text before it is signed. */
  readonly manifestText?: (text: string) => string;
  /** Signs manifest.sig with this key instead of the log key. */
  readonly manifestKey?: TestKey;
  /** Changes the files after. */
  readonly afterManifest?: (files: Map<string, Uint8Array>) => void;
}

export interface TestPackage {
  readonly bytes: Uint8Array;
  readonly key: TestKey;
  readonly log: TestLog;
  readonly treeSize: number;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly evidence: { readonly document: string; readonly envelope: string };
}

const ENTRY_TIME = (i: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

/** Builds a valid package (unless a hook breaks it). */
export function buildPackage(spec: PackageSpec = {}): TestPackage {
  const key = spec.key ?? testKey();
  const treeSize = spec.treeSize ?? 12;
  const indices = spec.indices ?? [2, 3, 4, 7, 11];

  // Evidence: a document, and a lineage bundle (DSSE envelope of an in-toto Statement).
  const document = Buffer.from(`${JSON.stringify({ kind: 'validation', auc: 0.91 })}\n`);
  const statement = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'model', digest: { sha256: sha256hex(document) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  const envelopeSigner = spec.envelopeKey ?? key;
  const envelope = Buffer.from(
    `${JSON.stringify({ payloadType, payload: b64(statement), signatures: [{ keyid: key.vkey, sig: b64(envelopeSigner.sign(pae(payloadType, statement))) }] })}\n`,
  );
  const documentDigest = sha256hex(document);
  const envelopeDigest = sha256hex(envelope);

  // The log: entry i commits to the document if i is the second package entry, to the envelope if the third.
  const leaves = Array.from({ length: treeSize + 8 }, (_, i) => {
    const body: Record<string, unknown> = { n: i };
    if (i === indices[1]) body['evidence'] = `sha256:${documentDigest}`;
    if (i === indices[2]) body['bundle'] = { digest: `sha256:${envelopeDigest}` };
    if (i === indices[0] && spec.commitments !== undefined) body['more'] = [...spec.commitments];
    return canonicalBytes({ kind: 'custom.test', actor: { id: 'alice', type: 'user', auth: 'token' }, time: ENTRY_TIME(i), subject: `run:${i}`, body });
  });
  const log = new TestLog(leaves);
  const signed = log.checkpoint(treeSize, spec.checkpointKey ?? key, key.name);
  const checkpoint = spec.checkpointNote?.(signed) ?? signed;

  const files = new Map<string, Uint8Array>();
  const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  files.set('VERIFY.md', text('# Verifying this compliance package\n\nSee docs/exports.md.\n'));
  files.set('checkpoint', text(checkpoint));
  files.set('controls.json', text('{"controls":[]}\n'));
  for (const i of indices) {
    const name = `entries/${String(i).padStart(12, '0')}`;
    files.set(`${name}.json`, leaves[i] as Uint8Array);
    files.set(`${name}.tlog-proof`, text(tlogProof(i, log.inclusion(i, treeSize), checkpoint)));
  }
  const documentPath = `evidence/${documentDigest}.json`;
  const envelopePath = `evidence/${envelopeDigest}.dsse.json`;
  files.set(documentPath, document);
  files.set(envelopePath, envelope);
  files.set('keys/log.pem', text(key.pem));
  files.set('keys/log.vkey', text(`${key.vkey}\n`));
  files.set('report.html', text('<!doctype html><title>Report</title><p>Entries.</p>\n'));
  spec.beforeManifest?.(files);

  const listed = [...files.keys()].filter((p) => p !== 'sha256sums').sort();
  if (!files.has('sha256sums')) files.set('sha256sums', text(listed.map((p) => `${sha256hex(files.get(p) as Uint8Array)}  ${p}\n`).join('')));
  const all = [...listed, 'sha256sums'].sort();
  const manifestFiles = all.map((p) => ({ path: p, sha256: sha256hex(files.get(p) as Uint8Array), size: (files.get(p) as Uint8Array).length }));
  const manifestText =
    `{\n  "format": "cairn-export/v1",\n  "log": ${JSON.stringify({ origin: key.name, treeSize, rootHash: b64(log.root(treeSize)), verifierKey: key.vkey })},\n` +
    `  "scope": {"kind":"time","from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"},\n  "entries": ${indices.length},\n` +
    `  "files": [\n${manifestFiles.map((f) => `    ${JSON.stringify(f)}`).join(',\n')}\n  ]\n}\n`;
  const manifest = spec.manifestText?.(manifestText) ?? manifestText;
  files.set('manifest.json', text(manifest));
  files.set('manifest.sig', text((spec.manifestKey ?? key).signNote(`cairn-export-manifest/v1\n${key.name}\nsha256 ${sha256hex(manifest)}\n`)));
  spec.afterManifest?.(files);

  const members = [...files.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { bytes: tarArchive(members), key, log, treeSize, files, evidence: { document: documentPath, envelope: envelopePath } };
}
