import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ED25519_KEY_TYPE,
  formatVerifierKey,
  fromBase64,
  isValidKeyName,
  noteKeyId,
  parseVerifierKey,
  toBase64,
  toHex,
  VerifyError,
} from '../src/index.js';
import type { VerifyErrorCode } from '../src/index.js';

// c2sp.org/signed-note §Verifier keys, Example.
const EXAMPLE_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const EXAMPLE_PUBLIC_KEY = fromBase64('AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k').subarray(1);

function throwsCode(code: VerifyErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VerifyError, `expected a VerifyError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

function ed25519(): { publicKey: Uint8Array; signMessage: (message: Uint8Array) => Uint8Array } {
  const pair = generateKeyPairSync('ed25519');
  const x = pair.publicKey.export({ format: 'jwk' }).x as string;
  return { publicKey: Buffer.from(x, 'base64url'), signMessage: (m) => sign(null, m, pair.privateKey) };
}

describe('verifier keys (c2sp.org/signed-note §Verifier keys)', () => {
  test('parses the spec example', () => {
    const verifier = parseVerifierKey(EXAMPLE_VKEY);
    assert.equal(verifier.name, 'example.com/foo');
    assert.equal(toHex(verifier.keyId), '530d903a');
  });

  test('the key ID is SHA-256(name || 0x0A || 0x01 || key)[:4]', () => {
    assert.equal(toHex(noteKeyId('example.com/foo', ED25519_KEY_TYPE, EXAMPLE_PUBLIC_KEY)), '530d903a');
    assert.notEqual(toHex(noteKeyId('example.com/foo', 0x04, EXAMPLE_PUBLIC_KEY)), '530d903a');
    throwsCode('invalid_argument', () => noteKeyId('a', 256, EXAMPLE_PUBLIC_KEY));
    throwsCode('invalid_argument', () => noteKeyId('a', -1, EXAMPLE_PUBLIC_KEY));
  });

  test('formatVerifierKey reproduces the spec example and round-trips fresh keys', () => {
    assert.equal(formatVerifierKey('example.com/foo', EXAMPLE_PUBLIC_KEY), EXAMPLE_VKEY);
    const key = ed25519();
    const verifier = parseVerifierKey(formatVerifierKey('cairn.example/log', key.publicKey));
    const message = Buffer.from('hello\n');
    assert.equal(verifier.verify(message, key.signMessage(message)), true);
    assert.equal(verifier.verify(Buffer.from('hellO\n'), key.signMessage(message)), false);
  });

  test('splits on the first two "+" only, since base64 may contain "+"', () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const key = ed25519();
      const vkey = formatVerifierKey('cairn.example/log', key.publicKey);
      if (!vkey.split('+').slice(2).join('+').includes('+')) continue;
      assert.equal(toHex(parseVerifierKey(vkey).keyId), toHex(noteKeyId('cairn.example/log', 1, key.publicKey)));
      return;
    }
    assert.fail('no generated key had a "+" in its base64');
  });

  test('a verifier rejects signatures of the wrong length rather than throwing', () => {
    const verifier = parseVerifierKey(EXAMPLE_VKEY);
    assert.equal(verifier.verify(Buffer.from('x'), new Uint8Array(63)), false);
    assert.equal(verifier.verify(Buffer.from('x'), new Uint8Array(0)), false);
    assert.equal(verifier.verify(Buffer.from('x'), new Uint8Array(64)), false);
  });

  test('rejects malformed verifier keys', () => {
    const [name, id, key] = EXAMPLE_VKEY.split('+') as [string, string, string];
    for (const vkey of [
      '',
      name,
      `${name}+${id}`,
      `+${id}+${key}`,
      `example.com/ foo+${id}+${key}`,
      `${name}+530d903+${key}`,
      `${name}+530d903a0+${key}`,
      `${name}+530d903z+${key}`,
      `${name}+530d903b+${key}`, // key ID does not match the key
      `${name}+${id}+${key.slice(0, -1)}`, // not canonical base64
      `${name}+${id}+`, // no key material
      `${name}+${id}+${toBase64(Uint8Array.of(1, ...EXAMPLE_PUBLIC_KEY.subarray(1)))}`, // 31-byte key
      `${name}+${id}+${toBase64(Uint8Array.of(1, ...EXAMPLE_PUBLIC_KEY, 0))}`, // 33-byte key
      `other.example+${id}+${key}`, // key ID binds the name
    ]) {
      throwsCode('malformed_verifier_key', () => parseVerifierKey(vkey));
    }
    throwsCode('malformed_verifier_key', () => parseVerifierKey(42 as unknown as string));
  });

  test('rejects key types other than Ed25519', () => {
    const material = toBase64(Uint8Array.of(0x04, ...EXAMPLE_PUBLIC_KEY));
    const id = toHex(noteKeyId('example.com/foo', 0x04, EXAMPLE_PUBLIC_KEY));
    throwsCode('unsupported_key_type', () => parseVerifierKey(`example.com/foo+${id}+${material}`));
  });

  test('formatVerifierKey refuses invalid names and keys', () => {
    throwsCode('invalid_argument', () => formatVerifierKey('a b', EXAMPLE_PUBLIC_KEY));
    throwsCode('invalid_argument', () => formatVerifierKey('a', new Uint8Array(31)));
  });
});

describe('isValidKeyName (c2sp.org/signed-note §Format)', () => {
  test('accepts non-empty names without spaces or "+"', () => {
    for (const name of ['example.com/foo', 'a', 'пример.рф/журнал', 'log-\u{1f600}', 'a=b;c']) {
      assert.equal(isValidKeyName(name), true, name);
    }
  });

  test('rejects empty names, "+", Unicode spaces, control characters and lone surrogates', () => {
    for (const name of ['', 'a+b', 'a b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u2028b', 'a\u0085b', 'a\nb', 'a\u0001b', 'a\ud800']) {
      assert.equal(isValidKeyName(name), false, JSON.stringify(name));
    }
    assert.equal(isValidKeyName(undefined as unknown as string), false);
  });
});
