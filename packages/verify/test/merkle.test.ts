import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  emptyRoot,
  fromHex,
  HASH_SIZE,
  inclusionProofShape,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  rootFromLeafHashes,
  toBase64,
  toHex,
  verifyConsistency,
  verifyInclusion,
  VerifyError,
} from '../src/index.js';
import type { VerifyErrorCode } from '../src/index.js';

// The RFC 6962 reference tree of transparency-dev/merkle (proof/verify_test.go):
// its eight leaves, the root at every size 1..8, and known-good proofs.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);
const LEAF_HASHES = LEAVES.map(leafHash);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(fromHex);
const rootAt = (size: number): Uint8Array => ROOTS[size - 1] as Uint8Array;

const INCLUSION_PROOFS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY_PROOFS: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function throwsCode(code: VerifyErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe('RFC 6962 hashing (RFC 9162 §2.1.1)', () => {
  test('the empty tree hashes to SHA-256("")', () => {
    assert.equal(toHex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.deepEqual(rootFromLeafHashes([]), emptyRoot());
  });

  test('the leaf hash of the empty string is SHA-256(0x00)', () => {
    assert.equal(toHex(leafHash(new Uint8Array())), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  test('the 8-leaf reference tree has root 5dc9da79…4328', () => {
    const root = rootFromLeafHashes(LEAF_HASHES);
    assert.equal(toHex(root), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    assert.equal(toBase64(root), 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=');
  });

  test('every prefix of the reference tree has its reference root', () => {
    for (let size = 1; size <= 8; size++) {
      assert.equal(toHex(rootFromLeafHashes(LEAF_HASHES.slice(0, size))), toHex(rootAt(size)), `size ${size}`);
    }
  });

  test('a leaf is domain-separated from a node with the same bytes', () => {
    const [a, b] = LEAF_HASHES as [Uint8Array, Uint8Array];
    const concatenated = Buffer.concat([a, b]);
    assert.notDeepEqual(leafHash(concatenated), nodeHash(a, b));
  });

  test('nodeHash takes only 32-byte children', () => {
    const good = new Uint8Array(HASH_SIZE);
    throwsCode('invalid_hash', () => nodeHash(new Uint8Array(31), good));
    throwsCode('invalid_hash', () => nodeHash(good, new Uint8Array(33)));
    throwsCode('invalid_hash', () => nodeHash('x'.repeat(32) as unknown as Uint8Array, good));
    throwsCode('invalid_hash', () => rootFromLeafHashes([good, new Uint8Array(1)]));
    throwsCode('invalid_argument', () => rootFromLeafHashes(null as unknown as Uint8Array[]));
    throwsCode('invalid_argument', () => leafHash('abc' as unknown as Uint8Array));
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3.2)', () => {
  for (const { index, size, proof } of INCLUSION_PROOFS) {
    test(`reference proof for leaf ${index} of ${size} verifies`, () => {
      const hashes = proof.map(fromHex);
      const leaf = LEAF_HASHES[index] as Uint8Array;
      verifyInclusion(index, size, leaf, hashes, rootAt(size));
      assert.deepEqual(Buffer.from(rootFromInclusionProof(index, size, leaf, hashes)), Buffer.from(rootAt(size)));
      throwsCode('inclusion_proof_invalid', () => verifyInclusion(index, size, leaf, hashes, rootAt(size === 1 ? 2 : 1)));
    });
  }

  test('inclusionProofShape matches transparency-dev/merkle decompInclProof', () => {
    assert.deepEqual(inclusionProofShape(0, 1), { inner: 0, border: 0 });
    assert.deepEqual(inclusionProofShape(0, 8), { inner: 3, border: 0 });
    assert.deepEqual(inclusionProofShape(2, 3), { inner: 0, border: 1 });
    assert.deepEqual(inclusionProofShape(1, 5), { inner: 3, border: 0 });
    assert.deepEqual(inclusionProofShape(4, 5), { inner: 0, border: 1 });
    assert.deepEqual(inclusionProofShape(6, 7), { inner: 0, border: 2 });
    // Beyond 32 bits, where JavaScript's bitwise operators would truncate.
    assert.deepEqual(inclusionProofShape(2 ** 32, 2 ** 33), { inner: 32, border: 1 });
    assert.deepEqual(inclusionProofShape(2 ** 40, 2 ** 41 + 5), { inner: 42, border: 0 });
    assert.deepEqual(inclusionProofShape(2 ** 40 + 1, 2 ** 40 + 2), { inner: 0, border: 2 });
    assert.deepEqual(inclusionProofShape(2 ** 53 - 2, 2 ** 53 - 1), { inner: 0, border: 52 });
  });

  test('hostile indices and sizes are typed errors', () => {
    const leaf = LEAF_HASHES[0] as Uint8Array;
    const root = rootAt(1);
    for (const [index, size] of [
      [-1, 1],
      [0, 0],
      [1, 1],
      [0.5, 1],
      [Number.NaN, 1],
      [0, Number.POSITIVE_INFINITY],
      [0, 2 ** 53],
      [2 ** 53, 2 ** 53 + 2],
      ['0', 1],
      [0n, 1],
    ] as [number, number][]) {
      throwsCode('invalid_argument', () => verifyInclusion(index, size, leaf, [], root));
      throwsCode('invalid_argument', () => inclusionProofShape(index, size));
    }
  });

  test('hostile hashes and proofs are typed errors', () => {
    const leaf = LEAF_HASHES[0] as Uint8Array;
    const proof = INCLUSION_PROOFS[1]?.proof.map(fromHex) ?? [];
    throwsCode('invalid_hash', () => verifyInclusion(0, 8, leaf, proof, new Uint8Array(31)));
    throwsCode('invalid_hash', () => verifyInclusion(0, 8, new Uint8Array(0), proof, rootAt(8)));
    throwsCode('invalid_hash', () => verifyInclusion(0, 8, leaf, [proof[0] as Uint8Array, new Uint8Array(32).subarray(1), proof[2] as Uint8Array], rootAt(8)));
    throwsCode('invalid_hash', () => verifyInclusion(0, 8, leaf, ['a', 'b', 'c'] as unknown as Uint8Array[], rootAt(8)));
    throwsCode('invalid_argument', () => verifyInclusion(0, 8, leaf, 'proof' as unknown as Uint8Array[], rootAt(8)));
    throwsCode('invalid_hash', () => verifyInclusion(0, 8, leaf, new Array<Uint8Array>(3), rootAt(8)));
    throwsCode('inclusion_proof_invalid', () => verifyInclusion(0, 8, leaf, proof.slice(1), rootAt(8)));
    throwsCode('inclusion_proof_invalid', () => verifyInclusion(0, 8, leaf, [...proof, leaf], rootAt(8)));
    // A proof far too long is refused before any hashing.
    throwsCode('inclusion_proof_invalid', () => verifyInclusion(0, 8, leaf, new Array(1e5).fill(leaf), rootAt(8)));
  });
});

describe('consistency proofs (RFC 9162 §2.1.4.2)', () => {
  for (const { size1, size2, proof } of CONSISTENCY_PROOFS) {
    test(`reference proof from ${size1} to ${size2} verifies`, () => {
      verifyConsistency(size1, size2, proof.map(fromHex), rootAt(size1), rootAt(size2));
      if (size1 !== size2) {
        throwsCode('consistency_proof_invalid', () =>
          verifyConsistency(size1, size2, proof.map(fromHex), rootAt(size2), rootAt(size1)),
        );
      }
    });
  }

  test('the empty tree is consistent with every tree, given its root and no proof', () => {
    verifyConsistency(0, 0, [], emptyRoot(), emptyRoot());
    verifyConsistency(0, 8, [], emptyRoot(), rootAt(8));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(0, 8, [], rootAt(1), rootAt(8)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(0, 8, [rootAt(8)], emptyRoot(), rootAt(8)));
    throwsCode('invalid_hash', () => verifyConsistency(0, 8, [], emptyRoot(), new Uint8Array(3)));
  });

  test('equal sizes need an empty proof and equal roots', () => {
    verifyConsistency(8, 8, [], rootAt(8), Uint8Array.from(rootAt(8)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(8, 8, [], rootAt(8), rootAt(7)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(8, 8, [rootAt(8)], rootAt(8), rootAt(8)));
  });

  test('hostile sizes, hashes and proofs are typed errors', () => {
    const proof = CONSISTENCY_PROOFS[2]?.proof.map(fromHex) ?? [];
    throwsCode('invalid_argument', () => verifyConsistency(8, 6, proof, rootAt(8), rootAt(6)));
    throwsCode('invalid_argument', () => verifyConsistency(-1, 8, proof, rootAt(6), rootAt(8)));
    throwsCode('invalid_argument', () => verifyConsistency(6, 2 ** 53, proof, rootAt(6), rootAt(8)));
    throwsCode('invalid_argument', () => verifyConsistency(6.5, 8, proof, rootAt(6), rootAt(8)));
    throwsCode('invalid_argument', () => verifyConsistency(6, 8, null as unknown as Uint8Array[], rootAt(6), rootAt(8)));
    throwsCode('invalid_hash', () => verifyConsistency(6, 8, proof, new Uint8Array(0), rootAt(8)));
    throwsCode('invalid_hash', () => verifyConsistency(6, 8, proof, rootAt(6), new Uint8Array(64)));
    throwsCode('invalid_hash', () => verifyConsistency(6, 8, [new Uint8Array(1), ...proof.slice(1)], rootAt(6), rootAt(8)));
    throwsCode('invalid_hash', () => verifyConsistency(6, 8, new Array<Uint8Array>(3), rootAt(6), rootAt(8)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(6, 8, [], rootAt(6), rootAt(8)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(6, 8, proof.slice(1), rootAt(6), rootAt(8)));
    throwsCode('consistency_proof_invalid', () => verifyConsistency(6, 8, new Array(1e5).fill(rootAt(1)), rootAt(6), rootAt(8)));
    // Large sizes are handled without 32-bit truncation.
    throwsCode('consistency_proof_invalid', () => verifyConsistency(2 ** 40 + 3, 2 ** 52, proof, rootAt(6), rootAt(8)));
  });
});
