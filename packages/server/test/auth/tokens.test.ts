import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`tokens and principals on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      s = await startCairn(storeCase.fresh());
    });
    after(async () => s.close());

    it('issues a token once, stores only its hash, ledgers issue and revocation without the secret', async () => {
      const ops = await s.opsToken();
      const proposed = await s.request('POST', '/api/v1/principals', { body: { id: 'etl-pipeline', type: 'service', roles: ['service'], reason: 'nightly ETL' } });
      assert.equal(proposed.status, 201, proposed.text);
      assert.equal(proposed.body.owner, 'admin', 'a service account acts for the person who proposed it unless told otherwise');
      assert.equal((await s.request('POST', '/api/v1/principals/etl-pipeline/approve', { token: ops, body: { reason: 'ticket OPS-1' } })).status, 200);
      const res = await s.request('POST', '/api/v1/tokens', { body: { principal: 'etl-pipeline', roles: ['service'], ttl: 3600 } });
      assert.equal(res.status, 201, res.text);
      assert.match(res.body.token, /^cairn_[A-Za-z0-9_-]{43}$/);
      assert.match(res.body.id, /^tok_/);
      assert.ok(Date.parse(res.body.expiresAt) > Date.now() + 3500_000);
      assert.equal(res.headers.get('cache-control'), 'no-store');

      const me = await s.request('GET', '/api/v1/whoami', { token: res.body.token });
      assert.deepEqual(me.body, { id: 'etl-pipeline', person: 'admin', type: 'service', auth: 'token', roles: ['service'], tokenId: res.body.id });

      const rows = await s.cairn.store.db.selectFrom('api_tokens').selectAll().where('id', '=', res.body.id).execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows[0]).includes(res.body.token.slice(6)), 'the secret is not stored');

      const list = await s.request('GET', '/api/v1/tokens?principal=etl-pipeline');
      assert.equal(list.body.tokens.length, 1);
      assert.ok(!JSON.stringify(list.body).includes(res.body.token));

      const revoked = await s.request('DELETE', `/api/v1/tokens/${res.body.id}?reason=rotated`);
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.revokedAt);
      const after = await s.request('GET', '/api/v1/whoami', { token: res.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'token_expired');
      const again = await s.request('DELETE', `/api/v1/tokens/${res.body.id}`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'invalid_state');

      const entries = await s.cairn.ledger.entries(0, 1000);
      const kinds = entries.filter((e) => e.entry.subject === `token:${res.body.id}`).map((e) => e.entry.kind);
      assert.deepEqual(kinds, ['token.issued', 'token.revoked']);
      const text = entries.map((e) => Buffer.from(e.leaf).toString('utf8')).join('\n');
      assert.ok(!text.includes(res.body.token), 'no token secret in the ledger');
      assert.ok(!text.includes(s.adminToken), 'not even the bootstrap one');
      const issued = entries.find((e) => e.entry.kind === 'token.issued' && e.entry.subject === `token:${res.body.id}`)!;
      assert.equal(issued.entry.actor.id, 'admin', 'the actor is the authenticated principal who issued it');
    });

    it('limits a scoped token to its scopes', async () => {
      const res = await s.request('POST', '/api/v1/tokens', { body: { roles: ['admin'], scopes: ['log:read'] } });
      assert.equal(res.status, 201, res.text);
      const token = res.body.token as string;
      assert.equal((await s.request('GET', '/api/v1/log/entries?start=0&limit=1', { token })).status, 200);
      const denied = await s.request('POST', '/api/v1/entries', { token, body: { entries: [{ kind: 'custom.a', body: {} }] } });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'forbidden');
      assert.deepEqual(denied.body.error.details.scopes, ['log:read']);
    });

    it('refuses bad token requests with 400 and writes nothing', async () => {
      const before = await s.cairn.ledger.size();
      for (const body of [
        { principal: 'x', roles: ['wizard'] },
        { principal: 'x', roles: [] },
        { principal: 'bad name with spaces', roles: ['service'] },
        { principal: 'x', roles: ['service'], ttl: 5 },
        { principal: 'x', roles: ['service'], ttl: '1h' },
        { principal: 'x', roles: ['service'], scopes: ['everything'] },
        { principal: 'x', roles: ['service'], admin: true },
        { roles: ['admin'], noExpiry: {} },
        { roles: ['admin'], noExpiry: { reason: '' } },
      ]) {
        const res = await s.request('POST', '/api/v1/tokens', { body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'invalid_request');
      }
      assert.equal((await s.request('DELETE', '/api/v1/tokens/tok_doesnotexist')).body.error.code, 'token_not_found');
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before + 0);
    });

    it('counts failed authentications and rate-limits the source', async () => {
      const failuresBefore = s.cairn.app.authFailures.total;
      let limited: { status: number; body: any; headers: Headers } | undefined;
      for (let i = 0; i < 25 && !limited; i += 1) {
        const res = await s.request('GET', '/api/v1/whoami', { token: `cairn_wrong${i}` });
        if (res.status === 429) limited = res;
        else assert.equal(res.status, 401);
      }
      assert.ok(limited, 'the source was rate-limited');
      assert.equal(limited.body.error.code, 'too_many_failed_authentications');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.ok(s.cairn.app.authFailures.total > failuresBefore && s.cairn.app.authFailures.total >= 20);
      // A good token from that source is served: only a failed credential is throttled.
      assert.equal((await s.request('GET', '/api/v1/whoami')).status, 200);
    });
  });
}
