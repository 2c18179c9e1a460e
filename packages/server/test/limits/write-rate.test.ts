import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseWriteRates } from '../../src/limits/write-rates.js';
import { startCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

describe('write-rate specifications', () => {
  it('parses a default, roles, per-minute rates and bursts', () => {
    assert.deepEqual(parseWriteRates('default=50/s,burst=200;service=500/s'), { default: { perSecond: 50, burst: 200 }, roles: { service: { perSecond: 500, burst: 500 } } });
    assert.deepEqual(parseWriteRates('engineer=30/m'), { default: { perSecond: 50, burst: 500 }, roles: { engineer: { perSecond: 0.5, burst: 1 } } });
  });
  for (const [spec, message] of [
    ['', /expected/],
    ['default=fast', /"default=fast": expected NAME=N\/s/],
    ['wizard=5/s', /wizard is neither default nor a role/],
    ['default=0/s', /above 0/],
    ['default=5/s,burst=0', /burst must be between/],
    ['service=5/s;service=6/s', /service is given twice/],
    ['default=5/h', /expected NAME=N\/s/],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parseWriteRates(spec), message));
  }
});

for (const storeCase of storeCases) {
  describe(`per-principal write limits on ${storeCase.name}`, () => {
    it('refuses writes past the bucket with 429 rate_limited and Retry-After, writes nothing for them, and leaves reads and other principals alone', async () => {
      const s = await startCairn(storeCase.fresh(), { writeRates: parseWriteRates('default=1/m,burst=3;admin=1000/s,burst=1000') });
      try {
        const engineer = await s.token(['engineer'], 'erin');
        const other = await s.token(['engineer'], 'eve');
        const append = (token: string, i: number) => s.request('POST', '/api/v1/entries', { token, body: { entries: [{ kind: 'custom.rate', body: { i } }] } });
        await s.cairn.ledger.flush();
        const before = await s.cairn.ledger.size();
        const statuses: number[] = [];
        let limited: Awaited<ReturnType<typeof append>> | undefined;
        for (let i = 0; i < 6; i += 1) {
          const res = await append(engineer, i);
          statuses.push(res.status);
          if (res.status === 429) limited ??= res;
        }
        assert.deepEqual(statuses, [201, 201, 201, 429, 429, 429]);
        assert.equal(limited!.body.error.code, 'rate_limited');
        const retryAfter = Number(limited!.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        await s.cairn.ledger.flush();
        assert.equal(await s.cairn.ledger.size(), before + 3, 'a refused write wrote nothing');

        for (let i = 0; i < 5; i += 1) assert.equal((await s.request('GET', '/api/v1/whoami', { token: engineer })).status, 200, 'reads are not limited');
        assert.equal((await s.request('GET', `/api/v1/log/entries/${before}`, { token: engineer })).status, 200);
        assert.equal((await append(other, 0)).status, 201, 'another principal has a bucket of its own');
        assert.equal((await append(s.adminToken, 0)).status, 201, 'a role with a limit of its own');
        assert.match((await s.request('GET', '/metrics')).text, /^cairn_writes_rate_limited_total 3$/m);
      } finally {
        await s.close();
      }
    });
  });
}
