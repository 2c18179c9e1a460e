/**
 * Byte comparisons a word at a time. Checking a package compares tens of thousands of short runs
 * (proof headers, checkpoints, manifest lines) at arbitrary offsets: a DataView reads four bytes
 * at any offset in one step, where a loop over bytes takes four and a Buffer.compare call costs
 * more than the comparison.
 */

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Are `length` bytes at `at` in `a` the same as at `bAt` in `b`? Both ranges must lie inside
 * their views (the caller checks).
 */
export function sameBytes(a: DataView, at: number, b: DataView, bAt: number, length: number): boolean {
  let diff = 0;
  let k = 0;
  for (; k + 4 <= length; k += 4) diff |= a.getInt32(at + k, true) ^ b.getInt32(bAt + k, true);
  for (; k < length; k++) diff |= a.getUint8(at + k) ^ b.getUint8(bAt + k);
  return diff === 0;
}

/** Copies `length` bytes from `at` in `a` to `bAt` in `b` (both ranges inside their views). */
export function copyBytes(a: DataView, at: number, b: DataView, bAt: number, length: number): void {
  let k = 0;
  for (; k + 4 <= length; k += 4) b.setInt32(bAt + k, a.getInt32(at + k, true), true);
  for (; k < length; k++) b.setUint8(bAt + k, a.getUint8(at + k));
}

/**
 * `bytes[from..to)` as a plain Uint8Array, for hashing: Buffer#subarray makes a Buffer through
 * the species constructor, which costs more than hashing a short entry.
 */
export function range(bytes: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + from, to - from);
}
