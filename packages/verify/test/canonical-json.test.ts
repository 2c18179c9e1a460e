import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalBytes, canonicalize, toHex, VerifyError } from '../src/index.js';

function rejected(value: unknown): void {
  assert.throws(
    () => canonicalize(value),
    (err: unknown) => err instanceof VerifyError && err.code === 'invalid_json_value',
  );
}

describe('RFC 8785 JSON canonicalization', () => {
  test('§3.2.2 example: whitespace, numbers, escapes and literals', () => {
    const input = JSON.parse(
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n' +
        '  "literals": [null, true, false]\n}',
    ) as unknown;
    assert.equal(
      canonicalize(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  test('§3.2.3 example: members sorted by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33
    // although its code point is larger.
    assert.equal(
      canonicalize(input),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  test('canonicalBytes is the UTF-8 encoding', () => {
    assert.equal(toHex(canonicalBytes({ '\u20ac': 1, a: [true] })), toHex(Buffer.from('{"a":[true],"€":1}', 'utf8')));
    assert.equal(toHex(canonicalBytes('\ud83d\ude00')), '22f09f988022');
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their serialization.
  const NUMBERS: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of NUMBERS) {
    test(`Appendix B: ${bits} serializes as ${expected}`, () => {
      assert.equal(canonicalize(Buffer.from(bits, 'hex').readDoubleBE(0)), expected);
    });
  }

  test('number serialization follows ECMAScript Number::toString', () => {
    assert.equal(canonicalize([1e21, 1e-7, -0, 5e-324, 1.7976931348623157e308, 0.000001, 123456789012345680000]),
      '[1e+21,1e-7,0,5e-324,1.7976931348623157e+308,0.000001,123456789012345680000]');
    assert.equal(canonicalize([1e20, 1e-6, 100, -1.5, 0.1]), '[100000000000000000000,0.000001,100,-1.5,0.1]');
  });

  test('strings are escaped as JSON.stringify does', () => {
    assert.equal(canonicalize('\u0000\u0008\t\n\f\r\u001f"\\/\u007f\u2028'), '"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/\u007f\u2028"');
  });

  test('nested arrays and objects, null-prototype objects', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['z'] = { y: [], x: {} };
    bare['a'] = null;
    assert.equal(canonicalize(bare), '{"a":null,"z":{"x":{},"y":[]}}');
    assert.equal(canonicalize([[[]], {}, '']), '[[[]],{},""]');
  });

  test('rejects values with no JSON form', () => {
    for (const value of [
      undefined,
      () => 1,
      Symbol('s'),
      10n,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      [1, undefined],
      { a: undefined },
      { a: () => 1 },
      { toJSON: () => 'x' },
      new Date(0),
      new Map(),
      new String('boxed'),
      Buffer.from('x'),
      { [Symbol('k')]: 1 },
      [1, , 3],
    ]) {
      rejected(value);
    }
  });

  test('rejects lone surrogates in strings and keys', () => {
    rejected('\ud800');
    rejected('a\udc00b');
    rejected('\ude00\ud83d');
    rejected({ '\ud83d': 1 });
    rejected(['ok', { k: 'x\udfff' }]);
  });

  test('rejects cycles and absurd nesting instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    rejected(cyclic);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    rejected(deep);
  });

  test('a shared (non-cyclic) subvalue is fine', () => {
    const shared = { v: 1 };
    assert.equal(canonicalize([shared, shared]), '[{"v":1},{"v":1}]');
  });
});
