import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

/** `count` failed authentications, each with a credential of its own, from the client `from` says (or the socket's). */
async function fail(s: RunningCairn, count: number, prefix: string, from?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const headers = from ? { 'x-forwarded-for': from } : undefined;
    statuses.push((await s.request('GET', '/api/v1/whoami', { token: `cairn_${prefix}${i}`, ...(headers ? { headers } : {}) })).status);
  }
  return statuses;
}

for (const storeCase of storeCases) {
  describe(`failed-authentication throttling on ${storeCase.name}`, () => {
    it('throttles failing credentials from an address past 20 failures, and still serves a valid token from it', async () => {
      const s = await startCairn(storeCase.fresh());
      try {
        const statuses = await fail(s, 25, 'wrong');
        assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
        assert.deepEqual(statuses.slice(20), Array(5).fill(429));
        const limited = await s.request('GET', '/api/v1/whoami', { token: 'cairn_wrong-again' });
        assert.equal(limited.status, 429);
        assert.equal(limited.body.error.code, 'too_many_failed_authentications');
        assert.ok(Number(limited.headers.get('retry-after')) > 0);
        assert.ok(Number(limited.headers.get('retry-after')) <= 60);

        const ok = await s.request('GET', '/api/v1/whoami');
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.body.id, 'admin');
        const engineer = await s.token(['engineer'], 'erin');
        assert.equal((await s.request('POST', '/api/v1/entries', { token: engineer, body: { entries: [{ kind: 'custom.after-throttle', body: {} }] } })).status, 201);
        // A malformed Authorization header from the throttled address is throttled too; no header at all is simply 401.
        assert.equal((await s.request('GET', '/api/v1/whoami', { token: null, headers: { authorization: 'Basic abc' } })).status, 429);
        assert.equal((await s.request('GET', '/api/v1/whoami', { token: null })).status, 401);
      } finally {
        await s.close();
      }
    });

    it('behind a trusted proxy, keys on the X-Forwarded-For client: two clients are throttled independently', async () => {
      const s = await startCairn(storeCase.fresh(), { trustProxy: ['127.0.0.1'] });
      try {
        assert.deepEqual((await fail(s, 22, 'a', '10.0.0.1')).slice(20), [429, 429]);
        assert.deepEqual(await fail(s, 3, 'b', '10.0.0.2'), [401, 401, 401], 'another client behind the same proxy is not throttled');
        assert.equal((await s.request('GET', '/api/v1/whoami', { headers: { 'x-forwarded-for': '10.0.0.1' } })).status, 200, 'a valid token from the throttled client');
        // One credential failing from everywhere (a revoked token in a fleet) is throttled by itself.
        const revoked = 'cairn_revoked-in-a-fleet';
        const statuses: number[] = [];
        for (let i = 0; i < 22; i += 1) statuses.push((await s.request('GET', '/api/v1/whoami', { token: revoked, headers: { 'x-forwarded-for': `10.1.0.${i}` } })).status);
        assert.deepEqual(statuses.slice(19), [401, 429, 429]);
        assert.equal((await s.request('GET', '/api/v1/whoami', { token: 'cairn_another', headers: { 'x-forwarded-for': '10.1.0.50' } })).status, 401);
      } finally {
        await s.close();
      }
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const s = await startCairn(storeCase.fresh(), { trustProxy: ['10.9.9.9'] });
      try {
        assert.deepEqual((await fail(s, 21, 'a', '10.0.0.1')).slice(20), [429]);
        assert.deepEqual(await fail(s, 2, 'b', '10.0.0.2'), [429, 429], 'a forged X-Forwarded-For does not buy a fresh allowance');
        assert.equal((await s.request('GET', '/api/v1/whoami', { headers: { 'x-forwarded-for': '10.0.0.2' } })).status, 200);
      } finally {
        await s.close();
      }
    });
  });
}
