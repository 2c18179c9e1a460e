import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CompactRange, emptyRoot, fromHex, leafHash, rootFromLeafHashes, toHex, VerifyError } from '../src/index.js';
import type { VerifyErrorCode } from '../src/index.js';

function throwsCode(code: VerifyErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof VerifyError && err.code === code);
}

const leafHashes = (n: number, seed: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${seed}/${i}`)));

// The reference tree of transparency-dev/merkle (see merkle.test.ts).
const REFERENCE = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
  .map(fromHex)
  .map(leafHash);

describe('CompactRange', () => {
  test('an empty range has the empty-tree root', () => {
    const range = new CompactRange();
    assert.equal(range.size, 0);
    assert.deepEqual(range.hashes, []);
    assert.deepEqual(range.root(), emptyRoot());
  });

  test('appending the reference leaves yields the reference root', () => {
    const range = new CompactRange();
    for (const hash of REFERENCE) range.append(hash);
    assert.equal(range.size, 8);
    assert.equal(range.hashes.length, 1);
    assert.equal(toHex(range.root()), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });

  test('holds one subtree root per set bit of the size, largest first', () => {
    const hashes = leafHashes(7, 1);
    const range = new CompactRange();
    for (const hash of hashes) range.append(hash);
    assert.deepEqual(
      range.hashes.map(toHex),
      [rootFromLeafHashes(hashes.slice(0, 4)), rootFromLeafHashes(hashes.slice(4, 6)), hashes[6] as Uint8Array].map(toHex),
    );
  });

  test('root equals the reference MTH at random sizes up to 300, also after resuming (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), fc.nat(), (n, seed, cut) => {
        const hashes = leafHashes(n, seed);
        const range = new CompactRange();
        const at = n === 0 ? 0 : cut % (n + 1);
        hashes.slice(0, at).forEach((hash) => range.append(hash));
        assert.deepEqual(Buffer.from(range.root()), Buffer.from(rootFromLeafHashes(hashes.slice(0, at))));
        // Resuming from the stored state continues the same tree.
        const resumed = new CompactRange(range.size, range.hashes);
        hashes.slice(at).forEach((hash) => resumed.append(hash));
        assert.equal(resumed.size, n);
        assert.deepEqual(Buffer.from(resumed.root()), Buffer.from(rootFromLeafHashes(hashes)));
      }),
      { numRuns: 100 },
    );
  });

  test('root equals the reference MTH after every append of a 300-leaf log', () => {
    const hashes = leafHashes(300, 5);
    const range = new CompactRange();
    hashes.forEach((hash, i) => {
      range.append(hash);
      assert.equal(toHex(range.root()), toHex(rootFromLeafHashes(hashes.slice(0, i + 1))), `size ${i + 1}`);
    });
  });

  test('clone is independent of the original', () => {
    const range = new CompactRange();
    leafHashes(5, 2).forEach((hash) => range.append(hash));
    const copy = range.clone();
    const before = toHex(range.root());
    copy.append(leafHash(Buffer.from('more')));
    assert.equal(range.size, 5);
    assert.equal(copy.size, 6);
    assert.equal(toHex(range.root()), before);
  });

  test('callers cannot mutate its state through inputs or outputs', () => {
    const leaf = leafHash(Buffer.from('x'));
    const range = new CompactRange();
    range.append(leaf);
    const expected = toHex(leaf);
    leaf.fill(0);
    range.hashes[0]?.fill(0);
    range.root().fill(0);
    assert.equal(toHex(range.root()), expected);
  });

  test('sizes beyond 32 bits work', () => {
    const [a, b] = leafHashes(2, 3) as [Uint8Array, Uint8Array];
    const range = new CompactRange(2 ** 40, [a]);
    range.append(b);
    assert.equal(range.size, 2 ** 40 + 1);
    assert.equal(range.hashes.length, 2);
  });

  test('rejects inconsistent or hostile state', () => {
    const [a, b] = leafHashes(2, 4) as [Uint8Array, Uint8Array];
    throwsCode('invalid_argument', () => new CompactRange(3, [a]));
    throwsCode('invalid_argument', () => new CompactRange(0, [a]));
    throwsCode('invalid_argument', () => new CompactRange(-1));
    throwsCode('invalid_argument', () => new CompactRange(1.5, [a]));
    throwsCode('invalid_argument', () => new CompactRange(2 ** 53, [a]));
    throwsCode('invalid_argument', () => new CompactRange(1, 'hashes' as unknown as Uint8Array[]));
    throwsCode('invalid_hash', () => new CompactRange(3, [a, new Uint8Array(31)]));
    throwsCode('invalid_hash', () => new CompactRange().append(new Uint8Array(33)));
    throwsCode('invalid_hash', () => new CompactRange().append('leaf' as unknown as Uint8Array));
    const full = new CompactRange(Number.MAX_SAFE_INTEGER, Array.from({ length: 53 }, () => b));
    throwsCode('invalid_argument', () => full.append(a));
  });
});
