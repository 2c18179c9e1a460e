// Property tests: proofs built by an independent reference generator (the
// PATH and PROOF definitions of RFC 9162 §2.1.3.1 and §2.1.4.1, written
// naively here) must verify, and any single flipped bit or wrong index must
// not.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  emptyRoot,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  VerifyError,
} from '../src/index.js';
import type { VerifyErrorCode } from '../src/index.js';

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Distinct leaf hashes for a tree of n leaves, derived from a seed. */
function leaves(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(0), Buffer.from(`leaf ${seed}/${i}`)));
}

/** k: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]), RFC 9162 §2.1.1, over leaf hashes. */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256();
  if (d.length === 1) return d[0] as Uint8Array;
  const k = split(d.length);
  return sha256(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** PATH(m, D[n]), RFC 9162 §2.1.3.1. */
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

/** SUBPROOF(m, D[n], b), RFC 9162 §2.1.4.1; PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

function flipBit(hash: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(hash);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

function flipInList(list: Uint8Array[], at: number, bit: number): Uint8Array[] {
  return list.map((hash, i) => (i === at ? flipBit(hash, bit) : hash));
}

function rejects(fn: () => void, code?: VerifyErrorCode): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    if (code !== undefined) assert.equal(err.code, code, err.message);
    return true;
  }
}

const tree = fc
  .record({ n: fc.integer({ min: 1, max: 300 }), seed: fc.nat() })
  .map(({ n, seed }) => ({ n, d: leaves(n, seed) }));

describe('inclusion proofs from the RFC 9162 reference generator', () => {
  test('verify for every tree size and leaf index', () => {
    fc.assert(
      fc.property(tree, fc.nat(), ({ n, d }, i) => {
        const index = i % n;
        const root = mth(d);
        const proof = path(index, d);
        verifyInclusion(index, n, d[index] as Uint8Array, proof, root);
        assert.deepEqual(Buffer.from(rootFromInclusionProof(index, n, d[index] as Uint8Array, proof)), Buffer.from(root));
        assert.deepEqual(Buffer.from(rootFromLeafHashes(d)), Buffer.from(root));
      }),
      { numRuns: 100 },
    );
  });

  test('reject any single flipped bit in the proof, leaf or root', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), ({ n, d }, i, at, bit) => {
        const index = i % n;
        const leaf = d[index] as Uint8Array;
        const root = mth(d);
        const proof = path(index, d);
        if (proof.length > 0) {
          const bad = flipInList(proof, at % proof.length, bit);
          assert.ok(rejects(() => verifyInclusion(index, n, leaf, bad, root), 'inclusion_proof_invalid'));
        }
        assert.ok(rejects(() => verifyInclusion(index, n, flipBit(leaf, bit), proof, root), 'inclusion_proof_invalid'));
        assert.ok(rejects(() => verifyInclusion(index, n, leaf, proof, flipBit(root, bit)), 'inclusion_proof_invalid'));
      }),
      { numRuns: 100 },
    );
  });

  test('reject the proof at any other leaf index', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), ({ n, d }, i, j) => {
        fc.pre(n > 1);
        const index = i % n;
        const wrong = (index + 1 + (j % (n - 1))) % n;
        const proof = path(index, d);
        assert.ok(rejects(() => verifyInclusion(wrong, n, d[index] as Uint8Array, proof, mth(d))));
      }),
      { numRuns: 100 },
    );
  });

  test('every flipped bit of one proof is caught', () => {
    const d = leaves(13, 7);
    const root = mth(d);
    const proof = path(9, d);
    for (let at = 0; at < proof.length; at++) {
      for (let bit = 0; bit < 256; bit++) {
        assert.ok(rejects(() => verifyInclusion(9, 13, d[9] as Uint8Array, flipInList(proof, at, bit), root)));
      }
    }
  });
});

describe('consistency proofs from the RFC 9162 reference generator', () => {
  const sizes = fc
    .record({ n2: fc.integer({ min: 1, max: 300 }), m: fc.nat(), seed: fc.nat() })
    .map(({ n2, m, seed }) => {
      const d = leaves(n2, seed);
      const n1 = 1 + (m % n2);
      return { n1, n2, d, root1: mth(d.slice(0, n1)), root2: mth(d) };
    });

  test('verify between any two sizes of one log', () => {
    fc.assert(
      fc.property(sizes, ({ n1, n2, d, root1, root2 }) => {
        verifyConsistency(n1, n2, subproof(n1, d, true), root1, root2);
        verifyConsistency(0, n2, [], emptyRoot(), root2);
      }),
      { numRuns: 100 },
    );
  });

  test('reject any single flipped bit in the proof or either root', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ n1, n2, d, root1, root2 }, at, bit) => {
        const proof = subproof(n1, d, true);
        if (proof.length > 0) {
          const bad = flipInList(proof, at % proof.length, bit);
          assert.ok(rejects(() => verifyConsistency(n1, n2, bad, root1, root2), 'consistency_proof_invalid'));
        }
        assert.ok(rejects(() => verifyConsistency(n1, n2, proof, flipBit(root1, bit), root2), 'consistency_proof_invalid'));
        assert.ok(rejects(() => verifyConsistency(n1, n2, proof, root1, flipBit(root2, bit)), 'consistency_proof_invalid'));
      }),
      { numRuns: 100 },
    );
  });

  test('reject the proof for any other old size', () => {
    fc.assert(
      fc.property(sizes, fc.nat(), ({ n1, n2, d, root1, root2 }, j) => {
        fc.pre(n2 > 1);
        const wrong = 1 + ((n1 - 1 + 1 + (j % (n2 - 1))) % n2);
        const proof = subproof(n1, d, true);
        assert.ok(rejects(() => verifyConsistency(wrong, n2, proof, root1, root2)));
      }),
      { numRuns: 100 },
    );
  });
});
