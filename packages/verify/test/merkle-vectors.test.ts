// Every proof vector of transparency-dev/merkle (test/fixtures/merkle-proofs):
// wantErr:false must verify, wantErr:true must be rejected with a VerifyError
// and nothing else. One test per file, named after its path.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rootFromInclusionProof, verifyConsistency, verifyInclusion, VerifyError } from '../src/index.js';

const FIXTURES = new URL('../../test/fixtures/merkle-proofs/', import.meta.url);

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function vectorFiles(kind: 'inclusion' | 'consistency'): string[] {
  const dir = fileURLToPath(new URL(`${kind}/`, FIXTURES));
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.json'))
    .sort();
}

function load<T>(kind: string, path: string): T {
  return JSON.parse(readFileSync(new URL(`${kind}/${path}`, FIXTURES), 'utf8')) as T;
}

// The fixtures are trusted test data, so the lenient decoder is fine here.
const bytes = (b64: string): Uint8Array => Buffer.from(b64, 'base64');
const hashes = (proof: string[] | null): Uint8Array[] => (proof ?? []).map(bytes);

function assertRejected(check: () => void): void {
  assert.throws(check, (err: unknown) => {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    return true;
  });
}

describe('transparency-dev/merkle inclusion vectors', () => {
  const files = vectorFiles('inclusion');
  test('all 98 are present', () => assert.equal(files.length, 98));
  for (const path of files) {
    const v = load<InclusionVector>('inclusion', path);
    test(`${path}: ${v.desc}`, () => {
      const check = (): void =>
        verifyInclusion(v.leafIdx, v.treeSize, bytes(v.leafHash), hashes(v.proof), bytes(v.root));
      if (v.wantErr) {
        assertRejected(check);
      } else {
        check();
        const root = rootFromInclusionProof(v.leafIdx, v.treeSize, bytes(v.leafHash), hashes(v.proof));
        assert.deepEqual(Buffer.from(root), Buffer.from(bytes(v.root)));
      }
    });
  }
});

describe('transparency-dev/merkle consistency vectors', () => {
  const files = vectorFiles('consistency');
  test('all 98 are present', () => assert.equal(files.length, 98));
  for (const path of files) {
    const v = load<ConsistencyVector>('consistency', path);
    test(`${path}: ${v.desc}`, () => {
      const check = (): void =>
        verifyConsistency(v.size1, v.size2, hashes(v.proof), bytes(v.root1), bytes(v.root2));
      if (v.wantErr) assertRejected(check);
      else check();
    });
  }
});
