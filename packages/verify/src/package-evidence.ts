import { TextDecoder } from 'node:util';
import { verifyEnvelope } from './dsse.js';
import type { LogKey } from './package-key.js';
import { CheckFailed, checked } from './package-result.js';

// evidence/HEX.EXT: HEX the lowercase SHA-256 of the file, EXT one or more lowercase
// alphanumeric extensions (json, pdf, dsse.json, …).
const EVIDENCE = /^evidence\/([0-9a-f]{64})\.[a-z0-9]+(?:\.[a-z0-9]+)*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The HEX of `evidence/HEX.EXT`, or undefined if `path` is not an evidence file's name. */
export function evidenceDigest(path: string): string | undefined {
  return EVIDENCE.exec(path)?.[1];
}

export function isEnvelope(path: string): boolean {
  return path.endsWith('.dsse.json');
}

/** Check 6: the file has SHA-256 HEX and an entry commits to `"sha256:HEX"`. */
export function checkEvidence(path: string, named: string, digest: string, committed: { has(hex: string): boolean }): void {
  if (digest !== named) throw new CheckFailed(path, 'evidence', `is not named by its SHA-256 (${digest})`);
  if (!committed.has(digest)) throw new CheckFailed(path, 'commitment', `no entry in the package commits to "sha256:${digest}"`);
}

/**
 * Check 6, lineage bundles: a DSSE envelope (exactly payloadType, payload, signatures) with at
 * least one signature whose keyid is the log's verifier key, and every such signature verifies
 * over PAE(payloadType, payload). Signatures with another keyid are ignored, as VERIFY.md does;
 * requiring all of the log key's to verify rejects whatever its openssl step rejects.
 */
export function checkEnvelope(path: string, bytes: Buffer, key: LogKey): void {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (cause) {
    throw new CheckFailed(path, 'dsse', 'is not UTF-8 JSON', { cause });
  }
  const e = value as { payloadType?: unknown; payload?: unknown; signatures?: unknown } | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    Array.isArray(e) ||
    Object.keys(e).length !== 3 ||
    typeof e.payloadType !== 'string' ||
    typeof e.payload !== 'string' ||
    !Array.isArray(e.signatures)
  ) {
    throw new CheckFailed(path, 'dsse', 'is not a DSSE envelope {payloadType, payload, signatures}');
  }
  let byKey = 0;
  for (const s of e.signatures as unknown[]) {
    const sig = s as { keyid?: unknown; sig?: unknown } | null;
    if (
      typeof sig !== 'object' ||
      sig === null ||
      Array.isArray(sig) ||
      typeof sig.sig !== 'string' ||
      (sig.keyid !== undefined && typeof sig.keyid !== 'string') ||
      !Object.keys(sig).every((k) => k === 'keyid' || k === 'sig')
    ) {
      throw new CheckFailed(path, 'dsse', 'a signature is not {keyid, sig}');
    }
    if (sig.keyid !== key.vkey) continue;
    byKey++;
    const single = { payloadType: e.payloadType, payload: e.payload, signatures: [{ keyid: key.vkey, sig: sig.sig }] };
    checked(path, 'dsse', () => verifyEnvelope(single, key.verifier, key.vkey));
  }
  if (byKey === 0) throw new CheckFailed(path, 'dsse', 'has no signature by the log key (keyid = keys/log.vkey)');
}
