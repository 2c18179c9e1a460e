import { createHash, hash as oneShotHash } from 'node:crypto';
import { VerifyError } from './error.js';

/** Size of a SHA-256 digest, the hash of every RFC 6962 tree Cairn builds. */
export const HASH_SIZE = 32;

// RFC 6962 §2.1 / RFC 9162 §2.1.1: the 0x00 and 0x01 prefixes domain-separate
// leaves from interior nodes, so no leaf can be passed off as a subtree
// (the second-preimage attack on plain Merkle trees).
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

function sha256(data: Uint8Array): Uint8Array {
  return typeof oneShotHash === 'function' ? (oneShotHash('sha256', data, 'buffer') as unknown as Uint8Array) : createHash('sha256').update(data).digest();
}

/**
 * MTH({d(0)}) = SHA-256(0x00 || d(0)), RFC 9162 §2.1.1.
 * @example toHex(leafHash(new Uint8Array())) // '6e340b9c…a01d'
 */
export function leafHash(leaf: Uint8Array): Uint8Array {
  if (!(leaf instanceof Uint8Array)) throw new VerifyError('invalid_argument', 'leaf is not a byte array');
  // One-shot hashing (node:crypto `hash`, Node ≥ 20.12) costs less than a Hash object per leaf.
  return sha256(Buffer.concat([LEAF_PREFIX, leaf]));
}

/**
 * SHA-256(0x01 || left || right), RFC 9162 §2.1.1. Both children must be
 * 32-byte hashes.
 * @example nodeHash(leafHash(a), leafHash(b)) // root of the tree [a, b]
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  requireHash(left, 'left child');
  requireHash(right, 'right child');
  return sha256(Buffer.concat([NODE_PREFIX, left, right], 65));
}

/**
 * MTH({}) = SHA-256(""), the root of the empty tree (RFC 9162 §2.1.1).
 * @example toHex(emptyRoot()) // 'e3b0c442…b855'
 */
export function emptyRoot(): Uint8Array {
  return createHash('sha256').digest();
}

/**
 * The reference Merkle Tree Hash of RFC 9162 §2.1.1, computed recursively:
 * split at the largest power of two k < n, MTH(D[n]) = HASH(0x01 ||
 * MTH(D[0:k]) || MTH(D[k:n])). O(n) memory; meant for tests and small trees
 * (use {@link CompactRange} for a growing log).
 * @example rootFromLeafHashes(['a', 'b'].map((s) => leafHash(Buffer.from(s))))
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  requireHashList(leafHashes, 'leaf hashes');
  if (leafHashes.length === 0) return emptyRoot();
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return hashes[start] as Uint8Array;
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(subtreeRoot(hashes, start, start + k), subtreeRoot(hashes, start + k, end));
}

/** The split point k of RFC 9162 §2.1.1: the largest power of two < n (n > 1). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Throws `invalid_hash` unless `value` is a 32-byte array. */
export function requireHash(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new VerifyError('invalid_hash', `${what} is not a byte array`);
  }
  if (value.byteLength !== HASH_SIZE) {
    throw new VerifyError('invalid_hash', `${what} is ${value.byteLength} bytes, want ${HASH_SIZE}`);
  }
  return value;
}

/** Throws unless `value` is an array of 32-byte hashes. */
export function requireHashList(value: unknown, what: string): readonly Uint8Array[] {
  if (!Array.isArray(value)) {
    throw new VerifyError('invalid_argument', `${what} is not an array`);
  }
  // An index loop, not forEach, so that holes in a sparse array are caught.
  for (let i = 0; i < value.length; i++) requireHash(value[i], `${what}[${i}]`);
  return value as readonly Uint8Array[];
}
