import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { inexactNumbers, isExact } from '../src/http/exact-numbers.js';
import { startCairn, type RunningCairn } from './helpers/cairn.js';
import { cleanupStores, storeCases } from './helpers/stores.js';

after(cleanupStores);

describe('I-JSON numbers (RFC 7493 §2.2)', () => {
  it('accepts every number a double holds exactly, however it is written', () => {
    for (const t of ['0', '1', '-1', '1.0', '1e2', '100', '1E+2', '0.1', '0.30000000000000004', '1.5e-7', '123456789012345', '9007199254740992', '-2.5', '5e-324', '1.7976931348623157e308', '0.000']) assert.ok(isExact(t), t);
  });
  it('refuses numbers that canonical JSON would store as another value', () => {
    for (const t of ['-0', '-0.0', '9223372036854775808', '9007199254740993', '1e-400', '1e400', '-1e400', '1.00000000000000011', '0.1000000000000000055511151231257827']) assert.ok(!isExact(t), t);
  });
  it('every double, as JSON writes it, is exact (property)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), (d) => isExact(JSON.stringify(d))));
  });
  it('finds numbers outside strings only, escapes included', () => {
    assert.deepEqual(inexactNumbers('{"a":"-0 and 1e-400","b\\\\":"\\"9223372036854775808\\"","c":[1e-400,-0]}'), ['1e-400', '-0']);
  });
});

for (const storeCase of storeCases) {
  describe(`numbers in request bodies on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      s = await startCairn(storeCase.fresh());
    });
    after(async () => s.close());

    it('refuses -0, 2^63 and 1e-400 with 422 number_not_exact and writes nothing', async () => {
      await s.cairn.ledger.flush();
      const before = await s.cairn.ledger.size();
      const res = await s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[{"kind":"custom.n","body":{"a":-0,"b":9223372036854775808,"c":1e-400}}]}' });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.error.code, 'number_not_exact');
      assert.deepEqual(res.body.error.details.numbers, ['-0', '9223372036854775808', '1e-400']);
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
    });

    it('stores exact numbers as written, in canonical form', async () => {
      const res = await s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[{"kind":"custom.n","body":{"a":1.0,"b":1e2,"c":0.1,"d":9007199254740992,"e":"9223372036854775808"}}]}' });
      assert.equal(res.status, 201, res.text);
      const entry = await s.cairn.ledger.entry(res.body.entries[0].index);
      assert.match(Buffer.from(entry.leaf).toString(), /"body":\{"a":1,"b":100,"c":0\.1,"d":9007199254740992,"e":"9223372036854775808"\}/);
    });

    it('still refuses malformed JSON and prototype poisoning as before', async () => {
      assert.equal((await s.request('POST', '/api/v1/entries', { rawBody: '{"entries":' })).body.error.code, 'invalid_json');
      const poisoned = await s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[],"__proto__":{"admin":true}}' });
      assert.equal(poisoned.status, 400);
    });
  });
}
