import { isPowerOfTwo, trailingZeros } from './bits.js';
import { bytesEqual } from './encoding.js';
import { VerifyError } from './error.js';
import { inclusionProofShape } from './inclusion-proof.js';
import { emptyRoot, nodeHash, requireHash, requireHashList } from './merkle.js';
import { requireTreeSize } from './tree-size.js';

/**
 * Checks that the tree of `size1` leaves with root `root1` is a prefix of the
 * tree of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2). Returns
 * nothing; throws `VerifyError`: `invalid_argument` for bad sizes or
 * size1 > size2, `invalid_hash` for a hash that is not 32 bytes,
 * `consistency_proof_invalid` otherwise.
 *
 * Trivial cases, which carry no proof:
 * - size1 == size2: the proof must be empty and the roots byte-equal (as in
 *   transparency-dev/merkle; nothing is hashed, so their length is not checked);
 * - size1 == 0: the empty tree is a prefix of every tree, but root1 must be
 *   MTH({}) = SHA-256("") (RFC 9162 §2.1.1) and the proof empty.
 *
 * @example
 * verifyConsistency(old.size, latest.size, proof, old.rootHash, latest.rootHash);
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  requireTreeSize(size1, 'size1');
  requireTreeSize(size2, 'size2');
  if (size1 > size2) {
    throw new VerifyError('invalid_argument', `size1 ${size1} is greater than size2 ${size2}`);
  }
  if (!Array.isArray(proof)) throw new VerifyError('invalid_argument', 'proof is not an array');

  if (size1 === size2 || size1 === 0) {
    if (proof.length !== 0) fail(`proof from size ${size1} to ${size2} must be empty, has ${proof.length} hashes`);
    if (size1 === 0 && !bytesEqual(root1, emptyRoot())) fail('root1 is not the root of the empty tree');
    if (size1 === size2) {
      if (!bytesEqual(root1, root2)) fail(`roots differ at equal size ${size1}`);
    } else {
      requireHash(root2, 'root2');
    }
    return;
  }

  requireHash(root1, 'root1');
  requireHash(root2, 'root2');
  const expected = consistencyProofLength(size1, size2);
  if (proof.length !== expected) {
    fail(`proof has ${proof.length} hashes, want ${expected} from size ${size1} to ${size2}`);
  }
  requireHashList(proof, 'proof');

  // RFC 9162 §2.1.4.2 step 2: when size1 is a power of two the old tree is a
  // single complete subtree of the new one, and root1 itself is the proof's
  // implied first element.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;

  // Steps 3-4: fn/sn index the old tree's last node and the new tree's last
  // node on the current level; skip the levels where the old tree's last
  // node is a right child, since the proof starts above them.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }

  // Step 5-6: fr rebuilds the old root and sr the new root from the same path.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) fail('proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      // A right sibling that only the new tree has: it changes sr, not fr.
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }

  // Step 7: both roots must match and the walk must have reached the top.
  if (sn !== 0) fail('proof is shorter than the path to the root');
  if (!bytesEqual(fr, root1)) fail(`proof does not lead to root1 at size ${size1}`);
  if (!bytesEqual(sr, root2)) fail(`proof does not lead to root2 at size ${size2}`);
}

/**
 * Length of the proof between 0 < size1 < size2: the inclusion proof of leaf
 * size1 - 1 in the new tree, minus the levels inside the old tree's last
 * complete subtree, plus that subtree's root unless it is the whole old tree
 * (transparency-dev/merkle proof.go, RootFromConsistencyProof).
 */
function consistencyProofLength(size1: number, size2: number): number {
  const { inner, border } = inclusionProofShape(size1 - 1, size2);
  const seed = isPowerOfTwo(size1) ? 0 : 1;
  return seed + inner - trailingZeros(size1) + border;
}

function fail(message: string): never {
  throw new VerifyError('consistency_proof_invalid', message);
}
