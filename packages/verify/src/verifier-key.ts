import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { bytesEqual, fromBase64, fromHex, toBase64, toHex } from './encoding.js';
import { VerifyError } from './error.js';
import { hasLoneSurrogate } from './unicode.js';

/** Signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note). */
export const ED25519_KEY_TYPE = 0x01;

const ED25519_PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const KEY_ID_HEX = /^[0-9a-fA-F]{8}$/;
// Go's unicode.IsSpace is the Unicode White_Space property.
const SPACE = /\p{White_Space}/u;
// Notes may not carry C0 controls other than newline (signed-note §Format),
// so a name containing one could never appear in a signature line.
const CONTROL = /[\x00-\x1f]/;

/**
 * Checks a note key against a signature: `name` and `keyId` identify the key,
 * `verify` checks a signature over the note text (the bytes after the key ID).
 */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * signed-note §Format: key names MUST be non-empty and MUST NOT contain
 * Unicode spaces or '+'. Names must also be valid Unicode and free of
 * control characters, since they are written into the note.
 * @example isValidKeyName('example.com/foo') // true
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name !== '' &&
    !name.includes('+') &&
    !SPACE.test(name) &&
    !CONTROL.test(name) &&
    !hasLoneSurrogate(name)
  );
}

/**
 * key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]
 * (signed-note §Signatures).
 * @example toHex(noteKeyId('example.com/foo', ED25519_KEY_TYPE, publicKey)) // '530d903a'
 */
export function noteKeyId(name: string, keyType: number, publicKey: Uint8Array): Uint8Array {
  if (typeof name !== 'string') throw new VerifyError('invalid_argument', 'key name is not a string');
  if (!Number.isInteger(keyType) || keyType < 0 || keyType > 0xff) {
    throw new VerifyError('invalid_argument', `key type ${typeof keyType === 'number' ? String(keyType) : typeof keyType} is not a byte`);
  }
  if (!(publicKey instanceof Uint8Array)) throw new VerifyError('invalid_argument', 'public key is not a byte array');
  const digest = createHash('sha256')
    .update(Buffer.from(name, 'utf8'))
    .update(Uint8Array.of(0x0a, keyType))
    .update(publicKey)
    .digest();
  return digest.subarray(0, 4);
}

/**
 * Parses a verifier key `<name>+<hex key ID>+<base64(type || public key)>`
 * (signed-note §Verifier keys). Only Ed25519 (type 0x01) is supported. The
 * key ID must be the one derived from name and key, so a vkey cannot claim
 * another key's identity.
 *
 * @example
 * const v = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw malformed('verifier key is not a string');
  // The base64 part may itself contain '+': split on the first two only.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw malformed('verifier key is not <name>+<key id>+<key>');
  const name = vkey.slice(0, first);
  const keyIdHex = vkey.slice(first + 1, second);
  const keyBase64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) throw malformed('verifier key name is not a valid key name');
  if (!KEY_ID_HEX.test(keyIdHex)) throw malformed('verifier key ID is not 8 hex digits');

  let key: Uint8Array;
  try {
    key = fromBase64(keyBase64);
  } catch (cause) {
    throw malformed('verifier key material is not base64', cause);
  }
  const type = key[0];
  if (type === undefined) throw malformed('verifier key material is empty');
  if (type !== ED25519_KEY_TYPE) {
    throw new VerifyError('unsupported_key_type', `signature type 0x${type.toString(16).padStart(2, '0')} is not supported`);
  }
  const publicKey = key.subarray(1);
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw malformed(`Ed25519 public key is ${publicKey.length} bytes, want ${ED25519_PUBLIC_KEY_SIZE}`);
  }
  const keyId = noteKeyId(name, ED25519_KEY_TYPE, publicKey);
  if (!bytesEqual(keyId, fromHex(keyIdHex))) {
    throw malformed(`key ID ${keyIdHex} does not match the key (want ${toHex(keyId)})`);
  }
  return ed25519Verifier(name, keyId, publicKey);
}

/**
 * The verifier key string for an Ed25519 public key (the inverse of
 * {@link parseVerifierKey}).
 * @example formatVerifierKey('example.com/foo', publicKey) // 'example.com/foo+530d903a+Aeky…'
 */
export function formatVerifierKey(name: string, ed25519PublicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new VerifyError('invalid_argument', `${JSON.stringify(name)} is not a valid key name`);
  if (!(ed25519PublicKey instanceof Uint8Array) || ed25519PublicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw new VerifyError('invalid_argument', `an Ed25519 public key is ${ED25519_PUBLIC_KEY_SIZE} bytes`);
  }
  const keyId = noteKeyId(name, ED25519_KEY_TYPE, ed25519PublicKey);
  const material = new Uint8Array(1 + ED25519_PUBLIC_KEY_SIZE);
  material[0] = ED25519_KEY_TYPE;
  material.set(ed25519PublicKey, 1);
  return `${name}+${toHex(keyId)}+${toBase64(material)}`;
}

function ed25519Verifier(name: string, keyId: Uint8Array, publicKey: Uint8Array): NoteVerifier {
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
  } catch (cause) {
    throw malformed('not an Ed25519 public key', cause);
  }
  return Object.freeze({
    name,
    keyId: Uint8Array.from(keyId),
    verify(message: Uint8Array, signature: Uint8Array): boolean {
      // RFC 8032 §5.1.7 signatures are exactly 64 bytes; anything else is a
      // forgery attempt, not an error.
      if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
      if (signature.length !== ED25519_SIGNATURE_SIZE) return false;
      try {
        return cryptoVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  });
}

function malformed(message: string, cause?: unknown): VerifyError {
  return new VerifyError('malformed_verifier_key', message, cause === undefined ? undefined : { cause });
}
