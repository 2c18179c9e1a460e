import { createHash, createPublicKey } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { bytesEqual, fromBase64 } from './encoding.js';
import { CheckFailed, checked } from './package-result.js';
import { parseVerifierKey } from './verifier-key.js';
import type { NoteVerifier } from './verifier-key.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A log's Ed25519 key, in the forms a package carries it. */
export interface LogKey {
  /** The C2SP verifier key `name+keyid+base64(0x01 ‖ key)`. */
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly publicKey: Uint8Array;
  /** SubjectPublicKeyInfo PEM, as `keys/log.pem` holds it. */
  readonly pem: string;
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER. */
  readonly fingerprint: string;
}

/** Parses a verifier key (throws VerifyError) and derives its PEM and fingerprint. */
export function logKey(vkey: string): LogKey {
  const verifier = parseVerifierKey(vkey);
  // parseVerifierKey accepted <name>+<key id>+<base64(0x01 || key)>; the base64 may hold '+'.
  const material = fromBase64(vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1));
  const publicKey = material.subarray(1);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    vkey,
    verifier,
    publicKey,
    pem: key.export({ type: 'spki', format: 'pem' }) as string,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** The same key: same name, same public key. */
export function sameKey(a: LogKey, b: LogKey): boolean {
  return a.verifier.name === b.verifier.name && bytesEqual(a.publicKey, b.publicKey);
}

/**
 * Check 1 of docs/exports.md: `keys/log.vkey` is one line holding a verifier key, `keys/log.pem`
 * is the same key as SubjectPublicKeyInfo PEM (byte for byte as OpenSSL and Node write it), and
 * it is the examiner's key when one was given.
 */
export function checkKeys(vkeyFile: Buffer, pemFile: Buffer, pinned: LogKey | undefined): LogKey {
  let text: string;
  try {
    text = UTF8.decode(vkeyFile);
  } catch {
    throw new CheckFailed('keys/log.vkey', 'key', 'is not UTF-8');
  }
  const line = text.slice(0, -1);
  if (!text.endsWith('\n') || line.includes('\n')) throw new CheckFailed('keys/log.vkey', 'key', 'is not one line ending in a newline');
  const key = checked('keys/log.vkey', 'key', () => logKey(line));
  if (pemFile.toString('latin1') !== key.pem) {
    let message = 'does not hold the key of keys/log.vkey';
    try {
      const der = createPublicKey(pemFile.toString('latin1')).export({ type: 'spki', format: 'der' });
      if (createHash('sha256').update(der).digest('hex') === key.fingerprint) message = 'holds the key of keys/log.vkey, but not in the canonical PEM form (one base64 line, LF line ends)';
    } catch {
      message = 'is not a PEM public key';
    }
    throw new CheckFailed('keys/log.pem', 'key', message);
  }
  if (pinned !== undefined && !sameKey(pinned, key)) {
    throw new CheckFailed('keys/log.vkey', 'key', `the package's key ${key.vkey} is not the key given (${pinned.vkey})`);
  }
  return key;
}
