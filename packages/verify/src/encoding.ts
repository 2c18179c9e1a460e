import { timingSafeEqual } from 'node:crypto';
import { VerifyError } from './error.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
// RFC 4648 §4 standard alphabet, padded to a multiple of four characters.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Lowercase hex. @example toHex(new Uint8Array([0xca, 0xfe])) // 'cafe' */
export function toHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex');
}

/**
 * Decodes hex (either case); throws `invalid_argument` on odd length or a
 * non-hex character, where `Buffer.from(s, 'hex')` would silently truncate.
 * @example fromHex('cafe') // Uint8Array [0xca, 0xfe]
 */
export function fromHex(text: string): Uint8Array {
  if (typeof text !== 'string' || !HEX.test(text)) {
    throw new VerifyError('invalid_argument', 'not an even-length hex string');
  }
  return Buffer.from(text, 'hex');
}

/** Standard padded base64 (RFC 4648 §4). @example toBase64(new Uint8Array([1])) // 'AQ==' */
export function toBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/**
 * Strict standard base64 with padding. `Buffer.from(s, 'base64')` skips
 * whitespace and unknown characters, accepts the URL-safe alphabet and
 * ignores non-zero trailing bits, so two different strings could decode to
 * the same signature or hash; here only the one canonical encoding is
 * accepted (the round-trip check rejects e.g. 'QR==' for 'QQ==').
 * @example fromBase64('AQ==') // Uint8Array [1]
 */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || !BASE64.test(text)) {
    throw new VerifyError('invalid_argument', 'not canonical padded base64');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new VerifyError('invalid_argument', 'not canonical padded base64');
  }
  return bytes;
}

/**
 * Byte equality that takes the same time wherever the inputs differ, so a
 * comparison against a secret-dependent value leaks nothing but the length.
 * @example bytesEqual(fromHex('00'), new Uint8Array(1)) // true
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return false;
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}
