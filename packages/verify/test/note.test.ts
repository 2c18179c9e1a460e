import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  formatNote,
  formatVerifierKey,
  MAX_NOTE_SIGNATURES,
  noteKeyId,
  parseNote,
  parseVerifierKey,
  toHex,
  verifyNote,
  VerifyError,
} from '../src/index.js';
import type { NoteSignature, NoteVerifier, VerifyErrorCode } from '../src/index.js';

// c2sp.org/signed-note §Verifier keys, Example (test/fixtures/c2sp/signed-note.md).
const EXAMPLE_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const EXAMPLE_TEXT = 'This is an example message.\n';
const EXAMPLE_SIGNATURE_LINE =
  '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
const EXAMPLE_NOTE = `${EXAMPLE_TEXT}\n${EXAMPLE_SIGNATURE_LINE}`;

/** Test-only signer: the package itself never signs. */
function newSigner(name: string): { vkey: string; verifier: NoteVerifier; sign: (text: string) => NoteSignature } {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const vkey = formatVerifierKey(name, publicKey);
  const keyId = noteKeyId(name, 0x01, publicKey);
  return {
    vkey,
    verifier: parseVerifierKey(vkey),
    sign: (text) => ({ name, keyId, signature: sign(null, Buffer.from(text, 'utf8'), pair.privateKey) }),
  };
}

function signedNote(text: string, ...signers: { sign: (text: string) => NoteSignature }[]): string {
  return formatNote({ text, signatures: signers.map((s) => s.sign(text)) });
}

function throwsCode(code: VerifyErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const example = parseVerifierKey(EXAMPLE_VKEY);

describe('the c2sp.org/signed-note example', () => {
  test('is quoted verbatim from the spec fixture', () => {
    const spec = readFileSync(new URL('../../test/fixtures/c2sp/signed-note.md', import.meta.url), 'utf8');
    assert.ok(spec.includes(`    ${EXAMPLE_VKEY}\n`));
    assert.ok(spec.includes(`\`\`\`\n${EXAMPLE_NOTE}\`\`\``));
  });

  test('verifies with its verifier key', () => {
    const { text, verifiedBy } = verifyNote(EXAMPLE_NOTE, [example]);
    assert.equal(text, EXAMPLE_TEXT);
    assert.equal(verifiedBy.length, 1);
    assert.equal(verifiedBy[0]?.name, 'example.com/foo');
    assert.equal(toHex(verifiedBy[0]?.keyId ?? new Uint8Array()), '530d903a');
  });

  test('verifies from UTF-8 bytes too', () => {
    assert.equal(verifyNote(Buffer.from(EXAMPLE_NOTE, 'utf8'), [example]).text, EXAMPLE_TEXT);
  });

  test('fails when the text changes', () => {
    throwsCode('signature_invalid', () => verifyNote(EXAMPLE_NOTE.replace('example', 'exemplary'), [example]));
    throwsCode('signature_invalid', () => verifyNote(`extra line\n${EXAMPLE_NOTE}`, [example]));
  });

  test('fails when a signature byte changes', () => {
    const note = parseNote(EXAMPLE_NOTE);
    const sig = note.signatures[0] as NoteSignature;
    for (const at of [0, 31, 63]) {
      const signature = Uint8Array.from(sig.signature);
      signature[at] = (signature[at] as number) ^ 0x01;
      const tampered = formatNote({ text: note.text, signatures: [{ ...sig, signature }] });
      throwsCode('signature_invalid', () => verifyNote(tampered, [example]));
    }
  });

  test('fails when the signature names another key, or carries another key ID', () => {
    // Either makes the signature unknown, so no trusted signature remains.
    throwsCode('signature_invalid', () => verifyNote(EXAMPLE_NOTE.replace('— example.com/foo', '— example.com/bar'), [example]));
    const sig = parseNote(EXAMPLE_NOTE).signatures[0] as NoteSignature;
    const otherId = formatNote({ text: EXAMPLE_TEXT, signatures: [{ ...sig, keyId: Uint8Array.of(0x53, 0x0d, 0x90, 0x3b) }] });
    throwsCode('signature_invalid', () => verifyNote(otherId, [example]));
  });

  test('fails without a trusted key', () => {
    throwsCode('signature_invalid', () => verifyNote(EXAMPLE_NOTE, []));
    throwsCode('signature_invalid', () => verifyNote(EXAMPLE_NOTE, [newSigner('example.com/foo').verifier]));
  });

  test('is malformed without its final newline, blank line or em dash', () => {
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.slice(0, -1), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace('\n\n', '\n'), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace('—', '-'), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace('— ', '—'), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace('foo ', 'foo  '), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace('aQM=', 'aQM'), [example]));
    throwsCode('malformed_note', () => verifyNote(EXAMPLE_NOTE.replace(/\n/g, '\r\n'), [example]));
    throwsCode('malformed_note', () => verifyNote(`${EXAMPLE_NOTE}\n`, [example]));
  });
});

describe('parseNote (c2sp.org/signed-note §Format)', () => {
  test('the last blank line separates text from signatures', () => {
    const spec = readFileSync(new URL('../../test/fixtures/c2sp/signed-note.md', import.meta.url), 'utf8');
    const poem = /```\n(Ognuno[^`]*)```/.exec(spec)?.[1] ?? assert.fail('poem example not found');
    const note = parseNote(poem);
    assert.equal(note.text, 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    assert.deepEqual(note.signatures.map((s) => s.name), ['quasimodo.example/salvatore']);
  });

  test('formatNote and parseNote are inverses (property)', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\x00-\x1f]/.test(s));
    const name = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).filter((s) => !/[\s+\x00-\x1f]/.test(s));
    const signature = fc.record({
      name,
      keyId: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 5 }), fc.array(signature, { minLength: 1, maxLength: 16 }), (lines, sigs) => {
        const text = lines.map((l) => `${l}\n`).join('') || '\n';
        const parsed = parseNote(formatNote({ text, signatures: sigs }));
        assert.equal(parsed.text, text);
        assert.deepEqual(
          parsed.signatures.map((s) => [s.name, toHex(s.keyId), toHex(s.signature)]),
          sigs.map((s) => [s.name, toHex(s.keyId), toHex(s.signature)]),
        );
      }),
      { numRuns: 200 },
    );
  });

  test('accepts 16 signatures and refuses 17', () => {
    const sig = parseNote(EXAMPLE_NOTE).signatures[0] as NoteSignature;
    const lines = (n: number): string => EXAMPLE_SIGNATURE_LINE.repeat(n);
    assert.equal(parseNote(`${EXAMPLE_TEXT}\n${lines(MAX_NOTE_SIGNATURES)}`).signatures.length, 16);
    verifyNote(`${EXAMPLE_TEXT}\n${lines(16)}`, [example]);
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n${lines(17)}`));
    throwsCode('invalid_argument', () => formatNote({ text: EXAMPLE_TEXT, signatures: new Array(17).fill(sig) }));
  });

  test('refuses control characters, invalid Unicode and invalid UTF-8', () => {
    throwsCode('malformed_note', () => parseNote(`tab\there\n\n${EXAMPLE_SIGNATURE_LINE}`));
    throwsCode('malformed_note', () => parseNote(`nul\u0000\n\n${EXAMPLE_SIGNATURE_LINE}`));
    throwsCode('malformed_note', () => parseNote(`lone \ud800\n\n${EXAMPLE_SIGNATURE_LINE}`));
    throwsCode('malformed_note', () => parseNote(Buffer.concat([Buffer.from([0xff]), Buffer.from(EXAMPLE_NOTE)])));
    throwsCode('malformed_note', () => parseNote(42 as unknown as string));
  });

  test('refuses signature lines with bad names or too few bytes', () => {
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n—  AAAAAAA=\n`));
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n— a+b AAAAAAA=\n`));
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n— a\u00a0b AAAAAAA=\n`));
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n— name\n`));
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n— name \n`));
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n— name AAAAAA==\n`)); // key ID only
    throwsCode('malformed_note', () => parseNote(`${EXAMPLE_TEXT}\n\n`));
  });
});

describe('verifyNote with several keys', () => {
  const log = newSigner('cairn.example/log');
  const witness = newSigner('witness.example/w1');
  const stranger = newSigner('stranger.example/s');
  const text = 'cairn.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  test('ignores signatures from unknown keys when a known one verifies', () => {
    const note = signedNote(text, stranger, log, witness);
    const { verifiedBy } = verifyNote(note, [log.verifier]);
    assert.deepEqual(verifiedBy.map((s) => s.name), ['cairn.example/log']);
  });

  test('ignores an unknown key that shares the name, or the key ID, of a known one', () => {
    const impostor = newSigner('cairn.example/log'); // same name, different key ID
    const sig = log.sign(text);
    const sameId: NoteSignature = { ...stranger.sign(text), keyId: sig.keyId }; // same ID, different name
    const note = formatNote({ text, signatures: [impostor.sign(text), sameId, sig] });
    assert.equal(verifyNote(note, [log.verifier]).verifiedBy.length, 1);
  });

  test('reports every trusted key that verified, once each', () => {
    const note = formatNote({ text, signatures: [log.sign(text), witness.sign(text), log.sign(text)] });
    const { verifiedBy } = verifyNote(note, [witness.verifier, log.verifier]);
    assert.deepEqual(verifiedBy.map((s) => s.name), ['cairn.example/log', 'witness.example/w1']);
  });

  test('rejects the note when any trusted signature fails, even if another verifies', () => {
    const bad = { ...witness.sign(text), signature: witness.sign('other\n').signature };
    const note = formatNote({ text, signatures: [log.sign(text), bad] });
    throwsCode('signature_invalid', () => verifyNote(note, [log.verifier, witness.verifier]));
  });

  test('rejects an ambiguous or malformed verifier list', () => {
    const note = signedNote(text, log);
    throwsCode('invalid_argument', () => verifyNote(note, [log.verifier, parseVerifierKey(log.vkey)]));
    throwsCode('invalid_argument', () => verifyNote(note, [{ name: 'x' } as unknown as NoteVerifier]));
    throwsCode('invalid_argument', () => verifyNote(note, log.verifier as unknown as NoteVerifier[]));
  });

  test('a custom verifier that throws becomes signature_invalid', () => {
    const throwing: NoteVerifier = {
      name: log.verifier.name,
      keyId: log.verifier.keyId,
      verify: () => {
        throw new Error('hardware token unplugged');
      },
    };
    throwsCode('signature_invalid', () => verifyNote(signedNote(text, log), [throwing]));
  });
});
