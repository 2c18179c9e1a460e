import { popCount } from './bits.js';
import { VerifyError } from './error.js';
import { emptyRoot, nodeHash, requireHash, requireHashList } from './merkle.js';
import { requireTreeSize } from './tree-size.js';

/**
 * The right edge of an RFC 6962 tree: for a tree of `size` leaves, the roots
 * of the perfect subtrees of size's binary decomposition, largest (leftmost)
 * first. Enough to compute the root and to append, in O(log n) memory; this
 * is how a log keeps its root current without rereading its leaves.
 *
 * @example
 * const range = new CompactRange();
 * for (const entry of entries) range.append(leafHash(entry));
 * range.root(); // equals rootFromLeafHashes(entries.map(leafHash))
 */
export class CompactRange {
  #size: number;
  #hashes: Uint8Array[];

  /**
   * Resumes a range from a stored state. `hashes` must hold one 32-byte hash
   * per set bit of `size`, largest subtree first.
   */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    requireTreeSize(size, 'size');
    requireHashList(hashes, 'hashes');
    if (hashes.length !== popCount(size)) {
      throw new VerifyError(
        'invalid_argument',
        `a range of size ${size} has ${popCount(size)} subtree hashes, got ${hashes.length}`,
      );
    }
    this.#size = size;
    this.#hashes = hashes.map((hash) => Uint8Array.from(hash));
  }

  /** Number of leaves covered. */
  get size(): number {
    return this.#size;
  }

  /** Copies of the subtree roots, largest first. */
  get hashes(): readonly Uint8Array[] {
    return this.#hashes.map((hash) => Uint8Array.from(hash));
  }

  /**
   * Adds the next leaf. Like binary increment: each trailing 1 bit of the
   * size is a perfect subtree of the same height as the carry, so the two
   * merge into one twice as large (RFC 9162 §2.1.1: both are complete, so
   * their parent is exactly MTH of their leaves).
   *
   * Returns the hashes this leaf completes: the leaf hash, then each merged
   * parent, lowest first (a log stores them so proofs need no recomputation).
   */
  append(leafHash: Uint8Array): Uint8Array[] {
    requireHash(leafHash, 'leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) {
      throw new VerifyError('invalid_argument', 'tree size would exceed 2^53 - 1');
    }
    // nodeHash returns fresh buffers; only the caller's leaf hash needs copying.
    let carry: Uint8Array = Uint8Array.from(leafHash);
    const completed = [carry];
    for (let bits = this.#size; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      carry = nodeHash(this.#hashes.pop() as Uint8Array, carry);
      completed.push(carry);
    }
    this.#hashes.push(carry);
    this.#size += 1;
    return completed;
  }

  /**
   * MTH of the covered leaves (RFC 9162 §2.1.1): the split point is always
   * the largest power of two, so the root folds the subtree roots from the
   * right. The empty range has the empty-tree root SHA-256("").
   */
  root(): Uint8Array {
    const last = this.#hashes.length - 1;
    if (last < 0) return emptyRoot();
    // Copied so that a caller mutating the result cannot corrupt the range.
    let root: Uint8Array = Uint8Array.from(this.#hashes[last] as Uint8Array);
    for (let i = last - 1; i >= 0; i--) root = nodeHash(this.#hashes[i] as Uint8Array, root);
    return root;
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.#size, this.#hashes);
  }
}
