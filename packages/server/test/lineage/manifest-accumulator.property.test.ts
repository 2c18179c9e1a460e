import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalManifest, manifestDigest } from '@cairn/verify';
import { ManifestAccumulator } from '../../src/lineage/manifest-accumulator.js';

const sha256 = fc.stringMatching(/^[0-9a-f]{64}$/);
// Paths of every kind of text: quotes, backslashes, control characters, astral characters, and
// text that looks like an escaped surrogate.
const path = fc.oneof(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), fc.constantFrom('\\ud800', 'a"b', 'tab\there', '\u2028', 'é/ü', '😀/x', '\u0000'));
const objects = fc.uniqueArray(fc.record({ path, size: fc.nat({ max: 2 ** 46 }), sha256 }), { minLength: 1, maxLength: 60, selector: (o) => o.path });

function streamed(list: readonly { path: string; size: number; sha256: string }[]): { text: string; digest: string } {
  const sorted = [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const acc = new ManifestAccumulator();
  sorted.forEach((o, i) => acc.add(i + 2, JSON.parse(JSON.stringify(o))));
  const { digest } = acc.finish();
  return { text: acc.takePart(true)!, digest };
}

describe('the streamed manifest accumulator', () => {
  it('builds exactly the canonical manifest and digest of @cairn/verify, for any well-formed objects', () => {
    fc.assert(
      fc.property(objects, (list) => {
        const wellFormed = list.filter((o) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(o.path));
        fc.pre(wellFormed.length > 0);
        const { text, digest } = streamed(wellFormed);
        assert.equal(text, canonicalManifest(wellFormed));
        assert.equal(digest, manifestDigest(wellFormed));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a total size beyond 2^53 - 1 bytes, naming the line', () => {
    const acc = new ManifestAccumulator();
    acc.add(2, { path: 'a', size: Number.MAX_SAFE_INTEGER - 1, sha256: 'a'.repeat(64) });
    assert.throws(() => acc.add(3, { path: 'b', size: 2, sha256: 'b'.repeat(64) }), (err: { code?: string; details?: { issues: { line: number }[] } }) => err.code === 'manifest_invalid' && err.details?.issues[0]?.line === 3);
  });

  it('refuses a path with a lone surrogate, as canonicalisation does', () => {
    const acc = new ManifestAccumulator();
    assert.throws(() => acc.add(2, { path: 'x\ud800', size: 1, sha256: 'a'.repeat(64) }), (err: { code?: string }) => err.code === 'manifest_invalid');
  });
});
