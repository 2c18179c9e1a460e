import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  emptyRoot,
  formatCheckpoint,
  formatNote,
  formatVerifierKey,
  noteKeyId,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  toBase64,
  verifyCheckpoint,
  VerifyError,
} from '../src/index.js';
import type { Checkpoint, NoteSignature, VerifyErrorCode } from '../src/index.js';

/** Test-only signer: the package itself never signs. */
function newSigner(name: string): { vkey: string; sign: (text: string) => NoteSignature } {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const keyId = noteKeyId(name, 0x01, publicKey);
  return {
    vkey: formatVerifierKey(name, publicKey),
    sign: (text) => ({ name, keyId, signature: sign(null, Buffer.from(text, 'utf8'), pair.privateKey) }),
  };
}

function throwsCode(code: VerifyErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const ROOT = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
const body = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

describe('parseCheckpoint (c2sp.org/tlog-checkpoint §Note text)', () => {
  test('reads the spec example', () => {
    const spec = readFileSync(new URL('../../test/fixtures/c2sp/tlog-checkpoint.md', import.meta.url), 'utf8');
    const example = /```\n(example\.com\/behind-the-sofa[^`]*)```/.exec(spec)?.[1] ?? assert.fail('example not found');
    const note = parseNote(example);
    const cp = parseCheckpoint(note.text);
    assert.equal(cp.origin, 'example.com/behind-the-sofa');
    assert.equal(cp.size, 20852163);
    assert.equal(toBase64(cp.rootHash), ROOT);
    assert.deepEqual(cp.extensions, []);
    assert.equal(note.signatures[0]?.name, 'example.com/behind-the-sofa');
  });

  test('reads the empty tree and extension lines', () => {
    const empty = parseCheckpoint(body('log', '0', toBase64(emptyRoot())));
    assert.equal(empty.size, 0);
    assert.deepEqual(parseCheckpoint(body('log', '1', ROOT, 'ext one', 'ext two')).extensions, ['ext one', 'ext two']);
    // Origins are opaque: spaces and '+' are only discouraged.
    assert.equal(parseCheckpoint(body('my log+1', '1', ROOT)).origin, 'my log+1');
  });

  test('formatCheckpoint and parseCheckpoint are inverses (property)', () => {
    const line = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\n'));
    fc.assert(
      fc.property(
        line,
        fc.maxSafeNat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, rootHash, extensions) => {
          const cp: Checkpoint = { origin, size, rootHash, extensions };
          const parsed = parseCheckpoint(formatCheckpoint(cp));
          assert.deepEqual({ ...parsed, rootHash: Buffer.from(parsed.rootHash) }, { ...cp, rootHash: Buffer.from(rootHash) });
        },
      ),
    );
  });

  test('refuses malformed checkpoints', () => {
    for (const text of [
      '',
      body('log', '1'),
      `log\n1\n${ROOT}`, // no final newline
      body('', '1', ROOT),
      body('log', '', ROOT),
      body('log', '01', ROOT),
      body('log', '00', ROOT),
      body('log', '-1', ROOT),
      body('log', '+1', ROOT),
      body('log', '1.0', ROOT),
      body('log', '1e3', ROOT),
      body('log', ' 1', ROOT),
      body('log', '0x10', ROOT),
      body('log', '١', ROOT), // Arabic-Indic digit one
      body('log', '9007199254740992', ROOT), // 2^53: not exactly representable
      body('log', '1', ROOT.slice(0, -4)), // 30 bytes
      body('log', '1', `${ROOT}AAAA`), // 35 bytes
      body('log', '1', ROOT.replace('=', '')),
      body('log', '1', `${ROOT.slice(0, -2)}J=`), // non-zero trailing bits
      body('log', '1', ROOT, ''),
      body('log', '1', ROOT, 'ext', '', 'ext'),
      `log\n1\n${ROOT}\n\n`,
    ]) {
      throwsCode('malformed_checkpoint', () => parseCheckpoint(text));
    }
    throwsCode('malformed_checkpoint', () => parseCheckpoint(undefined as unknown as string));
  });

  test('formatCheckpoint refuses what could not be read back', () => {
    const good: Checkpoint = { origin: 'log', size: 1, rootHash: emptyRoot(), extensions: [] };
    for (const bad of [
      { ...good, origin: '' },
      { ...good, origin: 'a\nb' },
      { ...good, size: -1 },
      { ...good, size: 1.5 },
      { ...good, size: 2 ** 53 },
      { ...good, rootHash: new Uint8Array(31) },
      { ...good, extensions: [''] },
      { ...good, extensions: ['a\n'] },
    ]) {
      throwsCode('invalid_argument', () => formatCheckpoint(bad));
    }
  });
});

describe('verifyCheckpoint', () => {
  const log = newSigner('cairn.example/log');
  const witness = newSigner('witness.example/w1');
  const checkpoint = (origin: string): string => formatCheckpoint({ origin, size: 42, rootHash: emptyRoot(), extensions: [] });
  const signed = (text: string, ...signers: { sign: (t: string) => NoteSignature }[]): string =>
    formatNote({ text, signatures: signers.map((s) => s.sign(text)) });

  test('returns the body of a checkpoint signed by the log key', () => {
    const cp = verifyCheckpoint(signed(checkpoint('cairn.example/log'), log), log.vkey);
    assert.equal(cp.origin, 'cairn.example/log');
    assert.equal(cp.size, 42);
    assert.deepEqual(Buffer.from(cp.rootHash), Buffer.from(emptyRoot()));
  });

  test('accepts a parsed verifier, an expected origin and unknown cosignatures', () => {
    const note = signed(checkpoint('cairn.example/log'), witness, log);
    const cp = verifyCheckpoint(note, parseVerifierKey(log.vkey), { origin: 'cairn.example/log' });
    assert.equal(cp.size, 42);
  });

  test('requires the origin to be the key name and the expected origin', () => {
    throwsCode('origin_mismatch', () => verifyCheckpoint(signed(checkpoint('other.example/log'), log), log.vkey));
    throwsCode('origin_mismatch', () =>
      verifyCheckpoint(signed(checkpoint('cairn.example/log'), log), log.vkey, { origin: 'cairn.example/other' }),
    );
  });

  test('rejects a checkpoint the key did not sign', () => {
    throwsCode('signature_invalid', () => verifyCheckpoint(signed(checkpoint('cairn.example/log'), witness), log.vkey));
    const other = newSigner('cairn.example/log');
    throwsCode('signature_invalid', () => verifyCheckpoint(signed(checkpoint('cairn.example/log'), other), log.vkey));
  });

  test('checks the signature before reading the body', () => {
    const malformedBody = body('cairn.example/log', '042', ROOT);
    throwsCode('signature_invalid', () => verifyCheckpoint(signed(malformedBody, witness), log.vkey));
    throwsCode('malformed_checkpoint', () => verifyCheckpoint(signed(malformedBody, log), log.vkey));
  });

  test('reports a bad verifier key as such', () => {
    throwsCode('malformed_verifier_key', () => verifyCheckpoint(signed(checkpoint('cairn.example/log'), log), 'nonsense'));
  });
});
