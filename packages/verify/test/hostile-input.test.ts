// STYLE §9: whatever a hostile log server or file sends, the verifier either
// returns or throws a VerifyError; no TypeError or RangeError escapes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as verify from '../src/index.js';

const VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';

function onlyVerifyErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof verify.VerifyError, `escaped: ${String(err)}`);
  }
}

// Values shaped like what arrives over the wire, plus arbitrary junk.
const junk = fc.oneof(
  fc.anything(),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.uint8Array({ maxLength: 40 }),
  fc.array(fc.uint8Array({ minLength: 30, maxLength: 34 }), { maxLength: 70 }),
  fc.constantFrom(-1, 0, 1, 2 ** 32, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, [], {}),
);
const noteish = fc.oneof(
  junk,
  fc.array(fc.constantFrom('a', '\n', '\n\n', '— ', 'example.com/foo ', 'AAAA', '=', '+', '\u2014', ' ', '\ud800'), { maxLength: 30 }).map((parts) => parts.join('')),
);

describe('hostile input', () => {
  test('proof verification', () => {
    fc.assert(
      fc.property(junk, junk, junk, junk, junk, (a, b, c, d, e) => {
        onlyVerifyErrors(() => verify.verifyInclusion(a as number, b as number, c as Uint8Array, d as Uint8Array[], e as Uint8Array));
        onlyVerifyErrors(() => verify.rootFromInclusionProof(a as number, b as number, c as Uint8Array, d as Uint8Array[]));
        onlyVerifyErrors(() => verify.verifyConsistency(a as number, b as number, c as Uint8Array[], d as Uint8Array, e as Uint8Array));
        onlyVerifyErrors(() => verify.inclusionProofShape(a as number, b as number));
        onlyVerifyErrors(() => new verify.CompactRange(a as number, b as Uint8Array[]).append(c as Uint8Array));
        onlyVerifyErrors(() => verify.rootFromLeafHashes(a as Uint8Array[]));
        onlyVerifyErrors(() => verify.nodeHash(a as Uint8Array, b as Uint8Array));
      }),
      { numRuns: 300 },
    );
  });

  test('an object that cannot be made a string is refused, not echoed', () => {
    // fast-check found it: String({ toString: false }) throws a TypeError.
    const hostile = { toString: false };
    onlyVerifyErrors(() => verify.rootFromInclusionProof(hostile as unknown as number, 1, new Uint8Array(32), []));
    onlyVerifyErrors(() => verify.formatCheckpoint({ origin: 'o', size: hostile as unknown as number, rootHash: new Uint8Array(32), extensions: [] }));
    onlyVerifyErrors(() => verify.noteKeyId('name', hostile as unknown as number, new Uint8Array(32)));
  });

  test('encodings and canonical JSON', () => {
    fc.assert(
      fc.property(junk, (a) => {
        onlyVerifyErrors(() => verify.fromBase64(a as string));
        onlyVerifyErrors(() => verify.fromHex(a as string));
        onlyVerifyErrors(() => verify.canonicalize(a));
        onlyVerifyErrors(() => verify.canonicalBytes(a));
      }),
      { numRuns: 300 },
    );
  });

  test('notes, keys and checkpoints', () => {
    const verifier = verify.parseVerifierKey(VKEY);
    fc.assert(
      fc.property(noteish, junk, fc.constantFrom<unknown>(VKEY, verifier, 'a+b+c'), (note, other, key) => {
        onlyVerifyErrors(() => verify.parseNote(note as string));
        onlyVerifyErrors(() => verify.verifyNote(note as string, [verifier]));
        onlyVerifyErrors(() => verify.verifyNote(note as string, other as verify.NoteVerifier[]));
        onlyVerifyErrors(() => verify.parseCheckpoint(note as string));
        onlyVerifyErrors(() => verify.verifyCheckpoint(note as string, key as string));
        onlyVerifyErrors(() => verify.parseVerifierKey(note as string));
        onlyVerifyErrors(() => verify.formatNote(other as verify.Note));
        onlyVerifyErrors(() => verify.formatCheckpoint(other as verify.Checkpoint));
      }),
      { numRuns: 300 },
    );
  });
});
