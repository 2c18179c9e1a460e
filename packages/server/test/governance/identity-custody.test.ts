import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken, newTokenSecret } from '../../src/auth/token-rows.js';
import { issueBootstrapToken } from '../../src/auth/tokens.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded, entriesOf } from '../helpers/versions.js';

after(cleanupStores);

const sha = (secret: string) => Buffer.from(hashToken(secret)).toString('hex');

/**
 * The break attempts of one administrator acting alone (issue: "Governance that one person
 * cannot fake"): invented reviewers, tokens that outlive break-glass, scoped tokens minting
 * stronger ones, names that differ only in case, tokens that never expire.
 */
for (const storeCase of storeCases) {
  describe(`identity custody on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ops: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      ops = await s.opsToken();
    });
    after(async () => s.close());

    const post = (url: string, body: object, token?: string) => s.request('POST', url, { token: token ?? s.adminToken, body });

    it('sock puppets: an admin cannot vouch for reviewers it invented, nor mint them credentials, nor hold their roles', async () => {
      const sizeBefore = await s.cairn.ledger.size();
      for (const [id, role] of [['r1', 'reviewer:business'], ['r2', 'reviewer:model-risk'], ['r3', 'reviewer:compliance']] as const) {
        const secret = newTokenSecret();
        const proposed = await post('/api/v1/principals', { id, type: 'user', roles: [role], credentialSha256: sha(secret), reason: 'new reviewer' });
        assert.equal(proposed.status, 201, proposed.text);
        assert.equal(proposed.body.state, 'proposed');
        // The proposed credential does not work until another person approves.
        assert.equal((await s.request('GET', '/api/v1/whoami', { token: secret })).status, 401);
        const self = await post(`/api/v1/principals/${id}/approve`, { reason: 'I vouch for them' });
        assert.equal(self.status, 403);
        const entry = await assertRecorded(s, self, 'separation_of_duties', 'principal.approval_refused');
        assert.equal(entry.entry.actor.id, 'admin');
        assert.ok(self.body.error.details.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'separation_of_duties.proposer' && r.effect === 'deny'));
        // Nor can the admin mint a token for the proposed principal, nor give itself the role.
        const minted = await post('/api/v1/tokens', { principal: id, roles: [role] });
        assert.equal(minted.status, 403);
        await assertRecorded(s, minted, 'delegation_refused', 'token.refused');
        const mine = await post('/api/v1/tokens', { roles: [role] });
        assert.equal(mine.status, 403);
        assert.ok(mine.body.error.details.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'delegation.roles_held' && r.effect === 'deny'));
      }
      // A service account acting for the admin counts as the admin: it cannot vouch either.
      await post('/api/v1/principals', { id: 'admin-bot', type: 'service', roles: ['admin'], reason: 'automation' });
      assert.equal((await post('/api/v1/principals/admin-bot/approve', { reason: 'x' }, ops)).status, 200);
      const bot = await post('/api/v1/tokens', { principal: 'admin-bot', roles: ['admin'], ttl: 600 });
      assert.equal(bot.status, 201, bot.text);
      const viaBot = await post('/api/v1/principals/r1/approve', { reason: 'my bot vouches' }, bot.body.token);
      assert.equal(viaBot.status, 403, 'the bot is the admin, as a person');
      assert.equal(viaBot.body.error.code, 'separation_of_duties');
      assert.equal((await s.cairn.ledger.entry(viaBot.body.error.details.ledgerIndex)).entry.actor.person, 'admin');
      assert.deepEqual((await s.request('GET', '/api/v1/principals?state=proposed')).body.principals.map((p: { id: string }) => p.id).sort(), ['r1', 'r2', 'r3']);
      assert.ok((await s.cairn.ledger.size()) > sizeBefore);
    });

    it('a second person makes a principal real, with the credential the person made, which nobody else ever held', async () => {
      const secret = newTokenSecret();
      assert.equal((await post('/api/v1/principals', { id: 'bea', type: 'user', roles: ['reviewer:business'], credentialSha256: sha(secret), reason: 'joins model risk' })).status, 201);
      const approved = await post('/api/v1/principals/bea/approve', { reason: 'HR record checked' }, ops);
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.principal.state, 'active');
      assert.equal(approved.body.principal.vouchedBy, 'two-person');
      assert.equal(approved.body.principal.proposedBy, 'admin');
      assert.equal(approved.body.principal.approvedBy, 'ops');
      const me = await s.request('GET', '/api/v1/whoami', { token: secret });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.roles, ['reviewer:business']);
      assert.equal(me.body.tokenId, approved.body.credential.id);
      const text = (await s.cairn.ledger.entries(0, 100_000)).map((e) => Buffer.from(e.leaf).toString()).join('\n');
      assert.ok(!text.includes(secret));
      // The principal cannot vouch for itself, and approving twice is a state error.
      assert.equal((await post('/api/v1/principals/bea/approve', { reason: 'again' }, ops)).body.error.code, 'invalid_state');
    });

    it('break-glass: nothing minted during an elevation outlives it', async () => {
      const operator = await s.token(['operator'], 'olga');
      const bg = await post('/api/v1/break-glass', { assume: ['admin'], minutes: 1, reason: 'INC-1: restore the signer' }, operator);
      assert.equal(bg.status, 201, bg.text);
      const tokensBefore = (await s.cairn.store.db.selectFrom('api_tokens').select('id').where('principal', '=', 'olga').execute()).length;
      for (const body of [{ roles: ['operator'] }, { roles: ['operator'], ttl: 60 }, { roles: ['admin'] }]) {
        const res = await post('/api/v1/tokens', body, operator);
        assert.equal(res.status, 403, JSON.stringify(body));
        const entry = await assertRecorded(s, res, 'delegation_refused', 'token.refused');
        assert.equal(entry.entry.actor.elevation, bg.body.elevation.id);
        assert.ok(res.body.error.details.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'delegation.not_elevated' && r.effect === 'deny'));
      }
      const principal = await post('/api/v1/principals', { id: 'olga-admin', type: 'user', roles: ['admin'], reason: 'for the incident' }, operator);
      assert.equal(principal.status, 403);
      await assertRecorded(s, principal, 'delegation_refused', 'principal.refused');
      assert.equal((await s.cairn.store.db.selectFrom('api_tokens').select('id').where('principal', '=', 'olga').execute()).length, tokensBefore, 'no credential was created');
      assert.equal(await s.cairn.principals.find('olga-admin'), undefined);
    });

    it('delegation: a scoped token mints nothing beyond its scopes, and never for another person', async () => {
      const scoped = await post('/api/v1/tokens', { roles: ['admin'], scopes: ['tokens:issue'], ttl: 600 });
      assert.equal(scoped.status, 201, scoped.text);
      const unscoped = await post('/api/v1/tokens', { roles: ['admin'] }, scoped.body.token);
      assert.equal(unscoped.status, 403);
      const entry = await assertRecorded(s, unscoped, 'delegation_refused', 'token.refused');
      assert.ok((entry.entry.body['decision'] as { reasons: string[] }).reasons.some((r) => r.includes('log:append')));
      // Within its scopes it may: a token scoped to tokens:issue alone.
      assert.equal((await post('/api/v1/tokens', { roles: ['admin'], scopes: ['tokens:issue'], ttl: 600 }, scoped.body.token)).status, 201);
      // A token without tokens:issue cannot mint at all.
      const reader = await post('/api/v1/tokens', { roles: ['admin'], scopes: ['log:read'], ttl: 600 });
      assert.equal((await post('/api/v1/tokens', { roles: ['admin'], scopes: ['log:read'] }, reader.body.token)).status, 403);
      // Tokens for another person are theirs to make, even for an admin.
      const other = await post('/api/v1/tokens', { principal: 'bea', roles: ['reviewer:business'] });
      assert.equal(other.status, 403);
      assert.ok(other.body.error.details.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'delegation.own_principal' && r.effect === 'deny'));
    });

    it('names compare case-folded and NFC: Erin is erin', async () => {
      const erin = await s.token(['engineer'], 'erin');
      const clash = await post('/api/v1/principals', { id: 'Erin', type: 'user', roles: ['reviewer:business'], reason: 'a second erin' });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.error.code, 'principal_exists');
      assert.equal((await s.request('GET', '/api/v1/whoami', { token: erin })).body.id, 'erin');
      assert.equal((await s.request('GET', '/api/v1/principals/ERIN')).body.id, 'erin');
      // Composed and decomposed forms are one name (OIDC subjects may be any Unicode).
      assert.equal((await post('/api/v1/principals', { id: 'jose', type: 'user', roles: ['auditor'], reason: 'x' })).status, 201);
      assert.equal((await s.cairn.principals.find('JOSE'))?.id, 'jose');
      const { normalisePrincipalId } = await import('../../src/auth/person.js');
      assert.equal(normalisePrincipalId('Jos\u0065\u0301'), normalisePrincipalId('jos\u00e9'));
    });

    it('tokens expire: the policy default, its maximum, no expiry only for a service account with a reason, counted', async () => {
      const plain = await post('/api/v1/tokens', { roles: ['admin'] });
      assert.equal(plain.status, 201);
      const hours = (Date.parse(plain.body.expiresAt) - Date.now()) / 3_600_000;
      assert.ok(hours > 11.9 && hours <= 12, `the pack's default_hours (12): ${hours}`);
      const tooLong = await post('/api/v1/tokens', { roles: ['admin'], ttl: 91 * 86_400 });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.details.maxSeconds, 90 * 86_400);
      const forUser = await post('/api/v1/tokens', { roles: ['admin'], noExpiry: { reason: 'forever' } });
      assert.equal(forUser.status, 400, 'a person never holds a token without expiry');
      const kpisBefore = (await s.request('GET', '/api/v1/kpis')).body.identity.tokensWithoutExpiry;
      const forever = await post('/api/v1/tokens', { principal: 'admin-bot', roles: ['admin'], noExpiry: { reason: 'the nightly backup job cannot rotate (VND-12)' } });
      assert.equal(forever.status, 201, forever.text);
      assert.equal(forever.body.expiresAt, null);
      const listed = (await s.request('GET', '/api/v1/tokens?principal=admin-bot')).body.tokens.find((t: { id: string }) => t.id === forever.body.id);
      assert.equal(listed.noExpiryReason, 'the nightly backup job cannot rotate (VND-12)');
      assert.equal((await s.request('GET', '/api/v1/kpis')).body.identity.tokensWithoutExpiry, kpisBefore + 1);
      assert.match((await s.request('GET', '/metrics')).text, new RegExp(`^cairn_tokens_without_expiry ${kpisBefore + 1}$`, 'm'));
      const issued = (await entriesOf(s, 'token.issued')).find((e) => e.entry.body['id'] === forever.body.id)!;
      assert.equal(issued.entry.body['noExpiryReason'], 'the nightly backup job cannot rotate (VND-12)');
    });

    it('the bootstrap token expires; the ceremony founds at most two persons and renews a founder', async () => {
      const bootstrap = (await s.request('GET', '/api/v1/tokens?principal=admin')).body.tokens.find((t: { createdBy: string }) => t.createdBy === 'cairn');
      assert.ok(bootstrap.expiresAt, 'the bootstrap admin token has an expiry');
      await assert.rejects(issueBootstrapToken(s.cairn.tokens, s.cairn.principals, { principal: 'mallory', roles: ['admin'], reason: 'a third founder' }), (err: { code?: string }) => err.code === 'invalid_state');
      assert.equal(await s.cairn.principals.find('mallory'), undefined);
      const renewed = await issueBootstrapToken(s.cairn.tokens, s.cairn.principals, { principal: 'admin', roles: ['admin'], reason: 'lost token' });
      assert.equal((await s.request('GET', '/api/v1/whoami', { token: renewed.token })).body.id, 'admin');
      const entry = await s.cairn.ledger.entry(renewed.ledgerIndex);
      assert.equal(entry.entry.actor.id, 'cairn', 'recorded as the system');
      // A principal who is not a founder is not renewed by the ceremony.
      await assert.rejects(issueBootstrapToken(s.cairn.tokens, s.cairn.principals, { principal: 'bea', roles: ['admin'], reason: 'x' }), (err: { code?: string }) => err.code === 'principal_exists');
    });

    it('refuses malformed principal requests with 400 and writes nothing', async () => {
      await s.cairn.ledger.flush();
      const before = await s.cairn.ledger.size();
      for (const body of [
        {},
        { id: 'x', type: 'user', roles: ['admin'] },
        { id: 'x', type: 'robot', roles: ['admin'], reason: 'r' },
        { id: 'x', type: 'user', roles: ['wizard'], reason: 'r' },
        { id: 'x', type: 'user', roles: [], reason: 'r' },
        { id: 'bad name', type: 'user', roles: ['admin'], reason: 'r' },
        { id: 'x', type: 'user', roles: ['admin'], reason: 'r', credentialSha256: 'abc' },
        { id: 'x', type: 'user', roles: ['admin'], reason: 'r', credentialSha256: 'A'.repeat(64) },
        { id: 'x', type: 'user', roles: ['admin'], reason: 'r', extra: 1 },
      ]) {
        const res = await post('/api/v1/principals', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'invalid_request');
      }
      assert.equal((await post('/api/v1/principals', { id: 'x', type: 'user', roles: ['admin'], owner: 'admin', reason: 'r' })).status, 400, 'only services have owners');
      assert.equal((await post('/api/v1/principals/nobody/approve', { reason: 'r' }, ops)).body.error.code, 'principal_not_found');
      assert.equal((await post('/api/v1/principals/bea/approve', {}, ops)).status, 400);
      assert.equal((await s.request('GET', '/api/v1/principals/nobody')).status, 404);
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
      // Not malformed but refused (a delegation rule): still 400, and recorded like every refusal.
      const noOwner = await post('/api/v1/principals', { id: 'x', type: 'service', roles: ['service'], owner: 'nobody', reason: 'r' });
      assert.equal(noOwner.status, 400, 'an owner is an active person');
      await assertRecorded(s, noOwner, 'invalid_request', 'principal.refused');
      const forBea = await post('/api/v1/principals', { id: 'bea-bot', type: 'service', roles: ['reviewer:business'], owner: 'bea', credentialSha256: sha(newTokenSecret()), reason: 'r' });
      assert.equal(forBea.status, 400, "an admin never holds the credential of a bot acting for someone else");
      assert.match(forBea.body.error.message, /owner's to make/);
      await assertRecorded(s, forBea, 'invalid_request', 'principal.refused');
    });
  });
}
