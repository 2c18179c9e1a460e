import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { bytesEqual, fromBase64, fromHex, toBase64, toHex, VerifyError } from '../src/index.js';

function invalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof VerifyError && err.code === 'invalid_argument');
}

describe('hex', () => {
  test('round-trips and writes lowercase', () => {
    assert.equal(toHex(Uint8Array.of(0xca, 0xfe, 0x00)), 'cafe00');
    assert.deepEqual(fromHex('CAFE00'), Buffer.from([0xca, 0xfe, 0x00]));
    assert.deepEqual(fromHex(''), Buffer.alloc(0));
  });

  test('respects the offset of a subarray', () => {
    assert.equal(toHex(Uint8Array.of(1, 2, 3, 4).subarray(1, 3)), '0203');
  });

  test('rejects odd length and non-hex characters', () => {
    for (const text of ['a', 'abc', 'zz', '0x00', 'ab cd', 'ab\n', '+0']) invalid(() => fromHex(text));
    invalid(() => fromHex(12 as unknown as string));
  });
});

describe('base64', () => {
  test('round-trips arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        assert.deepEqual(Buffer.from(fromBase64(toBase64(bytes))), Buffer.from(bytes));
      }),
    );
  });

  test('accepts standard padded base64', () => {
    assert.deepEqual(fromBase64(''), Buffer.alloc(0));
    assert.deepEqual(fromBase64('AQ=='), Buffer.from([1]));
    assert.deepEqual(fromBase64('AQI='), Buffer.from([1, 2]));
    assert.deepEqual(fromBase64('+/+/'), Buffer.from([0xfb, 0xff, 0xbf]));
  });

  test('rejects everything Buffer.from would quietly accept', () => {
    for (const text of [
      'AQ', // missing padding
      'AQ=', // short padding
      'AQ===',
      'A===',
      'A',
      'AQ==AQ==', // padding in the middle
      'QR==', // non-zero trailing bits (canonical form is QQ==)
      'AQI+/Q=x',
      '-_8=', // URL-safe alphabet
      'AQ ==',
      ' AQ==',
      'AQ==\n',
      'AQ\n==',
      'A\u00e9==',
    ]) {
      invalid(() => fromBase64(text));
    }
    invalid(() => fromBase64(null as unknown as string));
  });
});

describe('bytesEqual', () => {
  test('compares contents, not identity', () => {
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Buffer.from([1, 2])), true);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
    assert.equal(bytesEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });

  test('is false, not a crash, for non-bytes', () => {
    assert.equal(bytesEqual('ab' as unknown as Uint8Array, Uint8Array.of(0x61, 0x62)), false);
    assert.equal(bytesEqual(undefined as unknown as Uint8Array, new Uint8Array(0)), false);
  });
});
