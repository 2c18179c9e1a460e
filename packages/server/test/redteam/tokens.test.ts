import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken, newTokenSecret } from '../../src/auth/token-rows.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded } from '../helpers/versions.js';

after(cleanupStores);

const sha = (secret: string) => Buffer.from(hashToken(secret)).toString('hex');

/** Red team: minting tokens beyond one's own powers, through service accounts and scopes. */
for (const storeCase of storeCases) {
  describe(`red team: tokens on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ops: string;
    let bot: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      ops = await s.opsToken();
      // admin's own service account, vouched for by ops, holding reviewer roles admin lacks.
      assert.equal((await post('/api/v1/principals', { id: 'rev-bot', type: 'service', roles: ['admin', 'reviewer:business'], reason: 'automation' })).status, 201);
      assert.equal((await post('/api/v1/principals/rev-bot/approve', { reason: 'checked it' }, ops)).status, 200);
      const b = await post('/api/v1/tokens', { principal: 'rev-bot', roles: ['admin'], ttl: 3600 });
      assert.equal(b.status, 201, b.text);
      bot = b.body.token;
    });
    after(async () => s.close());
    const post = (url: string, body: unknown, token?: string) => s.request('POST', url, { token: token ?? s.adminToken, body });
    const denied = async (res: Awaited<ReturnType<typeof post>>, rule: string) => {
      assert.equal(res.status, 403, res.text);
      const entry = await assertRecorded(s, res, 'delegation_refused', 'token.refused');
      assert.ok((entry.entry.body['decision'] as { rules: { rule: string; effect: string }[] }).rules.some((r) => r.rule === rule && r.effect === 'deny'), rule);
    };

    it('listing tokens by principal compares the id normalised: ADMIN lists admin\'s tokens', async () => {
      const lower = (await s.request('GET', '/api/v1/tokens?principal=admin')).body.tokens;
      const upper = (await s.request('GET', '/api/v1/tokens?principal=ADMIN')).body.tokens;
      assert.ok(lower.length > 0);
      assert.deepEqual(upper.map((t: { id: string }) => t.id), lower.map((t: { id: string }) => t.id));
    });

    it("an owner cannot mint its service account's roles that the owner lacks", async () => {
      await denied(await post('/api/v1/tokens', { principal: 'rev-bot', roles: ['reviewer:business'] }), 'delegation.within_own_permissions');
      await denied(await post('/api/v1/tokens', { principal: 'REV-BOT', roles: ['admin', 'reviewer:business'] }), 'delegation.within_own_permissions');
    });

    it("an owner cannot get its service account a credential beyond the owner's permissions by bringing it to the proposal", async () => {
      const secret = newTokenSecret();
      const r = await post('/api/v1/principals', { id: 'rev-bot2', type: 'service', roles: ['reviewer:business'], credentialSha256: sha(secret), reason: 'automation' });
      assert.equal(r.status, 403, r.text);
      await assertRecorded(s, r, 'delegation_refused', 'principal.refused');
      // Within the owner's permissions it may.
      const ok = await post('/api/v1/principals', { id: 'ops-helper', type: 'service', roles: ['operator'], credentialSha256: sha(secret), reason: 'automation' });
      assert.equal(ok.status, 201, ok.text);
    });

    it('a service account cannot mint for its owner, nor for a service account someone else owns', async () => {
      await denied(await post('/api/v1/tokens', { principal: 'admin', roles: ['admin'] }, bot), 'delegation.own_principal');
      assert.equal((await post('/api/v1/principals', { id: 'ops-bot', type: 'service', roles: ['admin'], reason: 'ops automation' }, ops)).status, 201);
      assert.equal((await post('/api/v1/principals/ops-bot/approve', { reason: 'checked it' })).status, 200);
      await denied(await post('/api/v1/tokens', { principal: 'ops-bot', roles: ['admin'] }), 'delegation.own_principal');
      await denied(await post('/api/v1/tokens', { principal: 'ops-bot', roles: ['admin'] }, bot), 'delegation.own_principal');
    });

    it('a token holding fewer roles than its principal cannot mint the others; a scoped one cannot mint wider scopes', async () => {
      await s.token(['engineer', 'reviewer:business'], 'sue');
      const engOnly = await s.token(['engineer'], 'sue');
      await denied(await post('/api/v1/tokens', { roles: ['reviewer:business'] }, engOnly), 'delegation.within_own_permissions');
      const scoped = await s.token(['engineer', 'reviewer:business'], 'sue', { scopes: ['tokens:issue', 'self:read'] });
      await denied(await post('/api/v1/tokens', { roles: ['engineer'] }, scoped), 'delegation.within_own_permissions');
      await denied(await post('/api/v1/tokens', { roles: ['engineer'], scopes: ['tokens:issue', 'model:write'] }, scoped), 'delegation.within_own_permissions');
      const narrow = await post('/api/v1/tokens', { roles: ['engineer'], scopes: ['self:read'] }, scoped);
      assert.equal(narrow.status, 201, narrow.text);
      assert.equal((await s.request('GET', '/api/v1/kpis', { token: narrow.body.token })).status, 403);
    });

    it('a token that never expires, or outlives the policy, is refused for a user, and the refusal is recorded', async () => {
      const never = await post('/api/v1/tokens', { roles: ['admin'], noExpiry: { reason: 'convenience' } });
      assert.ok(never.status === 400 || never.status === 403, never.text);
      assert.equal(typeof never.body.error.details?.ledgerIndex, 'number', `an unrecorded refusal: ${never.text}`);
      assert.equal((await s.cairn.ledger.entry(never.body.error.details.ledgerIndex)).entry.kind, 'token.refused');
      const long = await post('/api/v1/tokens', { roles: ['admin'], ttl: 200 * 86400 });
      assert.ok(long.status === 400 || long.status === 403, long.text);
      assert.equal(typeof long.body.error.details?.ledgerIndex, 'number', `an unrecorded refusal: ${long.text}`);
    });

    it("a proposal cannot bring a credential that is already someone's token (approval would be a 500 or a hijack)", async () => {
      // admin knows its own token, so it knows its hash: it proposes a "person" whose credential is admin's token.
      const proposed = await post('/api/v1/principals', { id: 'bob', type: 'user', roles: ['reviewer:business'], credentialSha256: sha(s.adminToken), reason: 'a new reviewer' });
      if (proposed.status === 201) {
        const approved = await post('/api/v1/principals/bob/approve', { reason: 'HR checked' }, ops);
        assert.ok(approved.status >= 400 && approved.status < 500, `approving → ${approved.status} ${approved.text}`);
      } else {
        assert.ok(proposed.status >= 400 && proposed.status < 500, proposed.text);
      }
      assert.equal((await s.request('GET', '/api/v1/whoami')).body.id, 'admin');
      // Two proposals with one credential: the second approval would collide.
      const secret = newTokenSecret();
      assert.equal((await post('/api/v1/principals', { id: 'cy', type: 'user', roles: ['steward'], credentialSha256: sha(secret), reason: 'a new steward' })).status, 201);
      const twin = await post('/api/v1/principals', { id: 'cy2', type: 'user', roles: ['steward'], credentialSha256: sha(secret), reason: 'a new steward' });
      if (twin.status === 201) {
        assert.equal((await post('/api/v1/principals/cy/approve', { reason: 'HR checked' }, ops)).status, 200);
        const second = await post('/api/v1/principals/cy2/approve', { reason: 'HR checked' }, ops);
        assert.ok(second.status >= 400 && second.status < 500, `approving the twin → ${second.status} ${second.text}`);
      } else {
        assert.ok(twin.status >= 400 && twin.status < 500, twin.text);
      }
    });
  });
}
