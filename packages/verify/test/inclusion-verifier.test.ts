// The memoising inclusion verifier must accept exactly what walking every proof to the root
// (rootFromInclusionProof, RFC 9162 §2.1.3.2) accepts, whatever it remembers from the proofs
// before: a wrong sibling anywhere still fails.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { InclusionVerifier, PROOF_LINE_SIZE } from '../src/inclusion-verifier.js';
import { leafHash, verifyInclusion, VerifyError } from '../src/index.js';
import { TestLog } from './helpers/package-builder.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const lines = (proof: readonly Uint8Array[]): Buffer => Buffer.from(proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join(''), 'latin1');

function log(size: number): TestLog {
  return new TestLog(Array.from({ length: size }, (_, i) => Buffer.from(`leaf ${i} of ${size}`)));
}

function verify(v: InclusionVerifier, l: TestLog, index: number, size: number, proof = l.inclusion(index, size), leaf = leafHash(l.leaves[index] as Uint8Array)): void {
  const text = lines(proof);
  v.verify(index, latin1(leaf), text, 0, text.length / PROOF_LINE_SIZE);
}

function fails(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    return true;
  }
}

describe('InclusionVerifier', () => {
  test('every leaf of every tree up to 70 leaves, in order, in reverse and shuffled', () => {
    for (let size = 1; size <= 70; size++) {
      const l = log(size);
      const root = l.root(size);
      const order = Array.from({ length: size }, (_, i) => i);
      for (const indices of [order, [...order].reverse(), [...order].sort((a, b) => ((a * 7919) % size) - ((b * 7919) % size))]) {
        const v = new InclusionVerifier(size, root);
        for (const i of indices) verify(v, l, i, size);
      }
    }
  });

  test('a flipped bit in any proof line, or a wrong leaf, fails even next to verified proofs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), fc.nat(255), (size, warm, target, line, bit) => {
        const l = log(size);
        const v = new InclusionVerifier(size, l.root(size));
        for (const w of warm) verify(v, l, w % size, size);
        const index = target % size;
        const proof = l.inclusion(index, size);
        if (proof.length > 0) {
          const bad = proof.map((h) => Buffer.from(h));
          const at = line % bad.length;
          (bad[at] as Buffer)[bit >> 3] = ((bad[at] as Buffer)[bit >> 3] as number) ^ (1 << (bit & 7));
          assert.ok(fails(() => verify(v, l, index, size, bad)), `flipped bit ${bit} of line ${at} for leaf ${index} of ${size}`);
        }
        const wrongLeaf = leafHash(Buffer.from('not a leaf'));
        assert.ok(fails(() => verify(v, l, index, size, proof, wrongLeaf)));
        assert.ok(fails(() => verify(v, l, (index + 1) % size, size, proof)) || size === 1 || l.inclusion((index + 1) % size, size).every((h, i) => Buffer.compare(h, proof[i] as Uint8Array) === 0));
        // And the cache is not poisoned: the right proof still verifies.
        verify(v, l, index, size);
      }),
      { numRuns: 200 },
    );
  });

  test('proofs one line too long or too short, or swapped lines, fail', () => {
    const size = 37;
    const l = log(size);
    const v = new InclusionVerifier(size, l.root(size));
    for (let i = 0; i < size; i++) {
      verify(v, l, i, size);
      const proof = l.inclusion(i, size);
      assert.ok(fails(() => verify(v, l, i, size, [...proof, proof[0] as Uint8Array])));
      assert.ok(fails(() => verify(v, l, i, size, proof.slice(0, -1))));
      if (proof.length > 1) assert.ok(fails(() => verify(v, l, i, size, [proof[1] as Uint8Array, proof[0] as Uint8Array, ...proof.slice(2)])));
    }
  });

  test('non-canonical base64 lines fail', () => {
    const size = 5;
    const l = log(size);
    const v = new InclusionVerifier(size, l.root(size));
    const text = lines(l.inclusion(2, size));
    const leaf = latin1(leafHash(l.leaves[2] as Uint8Array));
    v.verify(2, leaf, text, 0, text.length / PROOF_LINE_SIZE);
    for (const [at, byte] of [
      [42, 0x42], // last character with a non-zero unused bit ('B' ends in ...01)
      [43, 0x41], // no '=' padding
      [44, 0x20], // no newline
      [0, 0x2d], // '-' is base64url
    ] as const) {
      const bad = Buffer.from(text);
      bad[at] = byte;
      assert.throws(() => v.verify(2, leaf, bad, 0, bad.length / PROOF_LINE_SIZE), (err: unknown) => err instanceof VerifyError);
    }
  });

  test('agrees with verifyInclusion on the transparency-dev/merkle vectors', () => {
    const root = new URL('../../test/fixtures/merkle-proofs/inclusion/', import.meta.url);
    const files = readdirSync(fileURLToPath(root), { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.json'));
    assert.equal(files.length, 98);
    for (const path of files) {
      const v = JSON.parse(readFileSync(new URL(path, root), 'utf8')) as { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; wantErr: boolean };
      const b = (s: string): Buffer => Buffer.from(s, 'base64');
      const reference = !fails(() => verifyInclusion(v.leafIdx, v.treeSize, b(v.leafHash), (v.proof ?? []).map(b), b(v.root)));
      const ours = !fails(() => {
        const verifier = new InclusionVerifier(v.treeSize, b(v.root));
        const proof = (v.proof ?? []).map(b);
        if (b(v.leafHash).length !== 32 || proof.some((h) => h.length !== 32)) throw new VerifyError('invalid_hash', 'not 32 bytes');
        const text = lines(proof);
        verifier.verify(v.leafIdx, latin1(b(v.leafHash)), text, 0, proof.length);
      });
      assert.equal(ours, reference, path);
      assert.equal(ours, !v.wantErr, path);
    }
  });
});
