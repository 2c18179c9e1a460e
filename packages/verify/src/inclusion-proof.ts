import { bitLength, popCount, shiftRight, xor } from './bits.js';
import { bytesEqual } from './encoding.js';
import { VerifyError } from './error.js';
import { nodeHash, requireHash, requireHashList } from './merkle.js';
import { requireLeafIndex } from './tree-size.js';

/**
 * How long the inclusion proof for leaf `index` in a tree of `size` leaves
 * is, split where the paths to `index` and to the last leaf `size - 1`
 * diverge: `inner` hashes below that point, `border` hashes of left-hand
 * subtrees along the right border above it (transparency-dev/merkle
 * proof.go, `decompInclProof`). The proof has `inner + border` hashes.
 *
 * @example inclusionProofShape(2, 5) // { inner: 3, border: 0 }
 */
export function inclusionProofShape(index: number, size: number): { inner: number; border: number } {
  const checked = requireLeafIndex(index, size);
  const inner = bitLength(xor(checked.index, checked.size - 1));
  const border = popCount(shiftRight(checked.index, inner));
  return { inner, border };
}

/**
 * The root an inclusion proof implies, by the algorithm of RFC 9162
 * §2.1.3.2. Throws `invalid_argument` unless 0 <= index < treeSize,
 * `invalid_hash` for a hash that is not 32 bytes and
 * `inclusion_proof_invalid` for a proof of the wrong length.
 *
 * @example
 * const root = rootFromInclusionProof(3, 8, leafHash(entry), proof);
 */
export function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  const { inner, border } = inclusionProofShape(index, treeSize);
  requireHash(leafHash, 'leaf hash');
  if (!Array.isArray(proof)) throw new VerifyError('invalid_argument', 'proof is not an array');
  // The length is fixed by (index, size); checking it first rejects padded
  // or truncated proofs before any hashing.
  if (proof.length !== inner + border) {
    throw new VerifyError(
      'inclusion_proof_invalid',
      `proof has ${proof.length} hashes, want ${inner + border} for leaf ${index} of ${treeSize}`,
    );
  }
  requireHashList(proof, 'proof');

  // RFC 9162 §2.1.3.2 steps 2-4: walk up from the leaf. fn is the node's
  // index on its level and sn the index of the last node on that level.
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new VerifyError('inclusion_proof_invalid', 'proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      // Our node is a right child, or the last node of its level and so
      // promoted unchanged until it becomes a right child.
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5: the walk must end exactly at the root.
  if (sn !== 0) throw new VerifyError('inclusion_proof_invalid', 'proof is shorter than the path to the root');
  return r;
}

/**
 * Checks that `leafHash` is leaf `index` of the tree of `treeSize` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2). Returns nothing; throws
 * `VerifyError` (`inclusion_proof_invalid` if the proof does not lead to
 * `root`).
 *
 * @example
 * verifyInclusion(proof.index, checkpoint.size, leafHash(entryBytes), proof.hashes, checkpoint.rootHash);
 */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  requireHash(root, 'root');
  const computed = rootFromInclusionProof(index, treeSize, leafHash, proof);
  if (!bytesEqual(computed, root)) {
    throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${treeSize} does not lead to the root`);
  }
}
