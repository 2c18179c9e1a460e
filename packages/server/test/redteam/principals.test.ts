import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken, newTokenSecret } from '../../src/auth/token-rows.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded } from '../helpers/versions.js';

after(cleanupStores);

const sha = (secret: string) => Buffer.from(hashToken(secret)).toString('hex');

/** Red team: identity custody through the public API, as one insider with many identities. */
for (const storeCase of storeCases) {
  describe(`red team: principals on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ops: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      ops = await s.opsToken();
    });
    after(async () => s.close());
    const post = (url: string, body: unknown, token?: string) => s.request('POST', url, { token: token ?? s.adminToken, body });

    it('a re-proposal slipped in between the approver\'s check and its transaction is not approved on the old proposal\'s standing', async () => {
      // admin proposes "mallory"; ops (the attacker) wants an active principal holding a credential ops made.
      assert.equal((await post('/api/v1/principals', { id: 'mallory', type: 'user', roles: ['reviewer:business'], reason: 'new hire' })).status, 201);
      const secret = newTokenSecret();
      const policies = s.cairn.policies;
      const original = policies.active.bind(policies);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let reached!: () => void;
      const atGate = new Promise<void>((r) => (reached = r));
      let armed = true;
      // The approver's pre-check has read admin's proposal; hold it there while ops re-proposes.
      policies.active = async () => {
        if (armed) {
          armed = false;
          reached();
          await gate;
        }
        return original();
      };
      try {
        const approving = post('/api/v1/principals/mallory/approve', { reason: 'looks fine' }, ops);
        await atGate;
        policies.active = original;
        assert.equal((await post('/api/v1/principals/mallory/reject', { reason: 'withdrawn' }, ops)).status, 200);
        const again = await post('/api/v1/principals', { id: 'mallory', type: 'user', roles: ['reviewer:business'], credentialSha256: sha(secret), reason: 'mine' }, ops);
        assert.equal(again.status, 201, again.text);
        release();
        const approved = await approving;
        assert.notEqual(approved.status, 200, 'ops approved its own proposal: ' + approved.text);
      } finally {
        policies.active = original;
        release();
      }
      const p = (await s.request('GET', '/api/v1/principals/mallory')).body;
      assert.equal(p.state, 'proposed');
      assert.equal((await s.request('GET', '/api/v1/whoami', { token: secret })).status, 401);
      // And ops approving its own re-proposal directly is refused, and recorded.
      const self = await post('/api/v1/principals/mallory/approve', { reason: 'x' }, ops);
      assert.equal(self.status, 403);
      await assertRecorded(s, self, 'separation_of_duties', 'principal.approval_refused');
    });

    it('re-proposing a rejected principal needs a fresh second person; its old proposer cannot sneak an approval', async () => {
      assert.equal((await post('/api/v1/principals', { id: 'carl', type: 'user', roles: ['steward'], reason: 'r' })).status, 201);
      assert.equal((await post('/api/v1/principals/carl/reject', { reason: 'no' }, ops)).status, 200);
      // ops re-proposes it; now admin (the first proposer) may approve, but ops may not.
      assert.equal((await post('/api/v1/principals', { id: 'CARL', type: 'user', roles: ['steward'], reason: 'again' }, ops)).status, 201);
      const r = await post('/api/v1/principals/Carl/approve', { reason: 'x' }, ops);
      assert.equal(r.status, 403);
      await assertRecorded(s, r, 'separation_of_duties', 'principal.approval_refused');
    });

    it('ids that differ only in case collide', async () => {
      assert.equal((await post('/api/v1/principals', { id: 'Dana', type: 'user', roles: ['steward'], reason: 'r' })).status, 201);
      const dup = await post('/api/v1/principals', { id: 'dANA', type: 'user', roles: ['admin'], reason: 'r' }, ops);
      assert.equal(dup.status, 409);
      const founder = await post('/api/v1/principals', { id: 'OPS', type: 'user', roles: ['admin'], reason: 'r' });
      assert.equal(founder.status, 409);
    });

    it('nobody can propose a principal named like the system actor (cairn), whose entries would read as the installation ceremony', async () => {
      const r = await post('/api/v1/principals', { id: 'Cairn', type: 'user', roles: ['admin'], credentialSha256: sha(newTokenSecret()), reason: 'the system' });
      assert.ok(r.status >= 400 && r.status < 500, `proposing "cairn" → ${r.status} ${r.text}`);
    });

    it("a service account owned by someone else: the proposer holds no credential, and neither proposer nor owner vouches for it", async () => {
      const withCred = await post('/api/v1/principals', { id: 'ops-bot', type: 'service', owner: 'ops', roles: ['admin'], credentialSha256: sha(newTokenSecret()), reason: 'r' });
      assert.equal(withCred.status, 400);
      await assertRecorded(s, withCred, 'invalid_request', 'principal.refused');
      assert.equal((await post('/api/v1/principals', { id: 'ops-bot', type: 'service', owner: 'ops', roles: ['admin'], reason: 'r' })).status, 201);
      for (const token of [s.adminToken, ops]) {
        const r = await post('/api/v1/principals/ops-bot/approve', { reason: 'x' }, token);
        assert.equal(r.status, 403);
        await assertRecorded(s, r, 'separation_of_duties', 'principal.approval_refused');
      }
      // Nor can admin mint for it.
      const mint = await post('/api/v1/tokens', { principal: 'ops-bot', roles: ['admin'] });
      assert.equal(mint.status, 403);
      // A service account cannot own a service account either.
      const nested = await post('/api/v1/principals', { id: 'bot-bot', type: 'service', owner: 'ops-bot', roles: ['admin'], reason: 'r' });
      assert.equal(nested.status, 400);
      await assertRecorded(s, nested, 'invalid_request', 'principal.refused');
    });

    it('under break-glass an operator elevated to admin can neither propose, approve nor mint; each refusal is recorded', async () => {
      const operator = await s.token(['operator'], 'oncall');
      assert.equal((await post('/api/v1/principals', { id: 'erin', type: 'user', roles: ['steward'], reason: 'r' })).status, 201);
      const bg = await post('/api/v1/break-glass', { assume: ['admin'], minutes: 5, reason: 'incident INC-1: service down' }, operator);
      assert.equal(bg.status, 201, bg.text);
      const proposed = await post('/api/v1/principals', { id: 'frank', type: 'user', roles: ['admin'], reason: 'r' }, operator);
      assert.equal(proposed.status, 403);
      await assertRecorded(s, proposed, 'delegation_refused', 'principal.refused');
      const approved = await post('/api/v1/principals/erin/approve', { reason: 'x' }, operator);
      assert.equal(approved.status, 403);
      await assertRecorded(s, approved, 'delegation_refused', 'principal.refused');
      const minted = await post('/api/v1/tokens', { roles: ['operator'], ttl: 86400 }, operator);
      assert.equal(minted.status, 403);
      await assertRecorded(s, minted, 'delegation_refused', 'token.refused');
    });

    it('hostile input on /api/v1/principals, /api/v1/tokens is a 4xx, never a 500', async () => {
      const bodies: unknown[] = [
        null,
        [],
        [{ id: 'x', type: 'user', roles: ['admin'], reason: 'r' }],
        { id: 'a'.repeat(5000), type: 'user', roles: ['admin'], reason: 'r' },
        { id: 'zed', type: 'user', roles: ['admin'], reason: 'nul \u0000 inside' },
        { id: 'zed2', type: 'user', roles: ['admin'], reason: 'lone \ud800 surrogate' },
        { id: 'zed3', type: 'user', roles: ['admin'], reason: 'r', displayName: 'nul\u0000' },
        { id: 'zed4', type: 'user', roles: ['admin', 'admin'], reason: 'r' },
        { id: 'zed5', type: 'user', roles: [], reason: 'r' },
        { id: 'zed6', type: 'user', roles: ['admin'], reason: 'r', owner: 'admin' },
        { id: 'zed7', type: 'service', roles: ['admin'], reason: 'r', owner: null },
        { id: 'zed8', type: 'user', roles: ['admin'], reason: { text: 'r' } },
        { id: 'ｚｅｄ', type: 'user', roles: ['admin'], reason: 'r' },
      ];
      for (const body of bodies) {
        const r = await post('/api/v1/principals', body);
        assert.ok(r.status < 500, `POST /api/v1/principals ${JSON.stringify(body)?.slice(0, 80)} → ${r.status} ${r.text}`);
      }
      for (const body of [null, [], { roles: ['admin'], scopes: ['public'] }, { roles: ['admin'], noExpiry: { reason: 'nul\u0000' } }, { roles: ['admin'], ttl: 1e300 }, { roles: ['admin'], principal: 'é'.repeat(200) }]) {
        const r = await post('/api/v1/tokens', body);
        assert.ok(r.status < 500, `POST /api/v1/tokens ${JSON.stringify(body)?.slice(0, 80)} → ${r.status} ${r.text}`);
      }
      for (const [url, body] of [['/api/v1/principals/erin/approve', { reason: 'nul\u0000' }], ['/api/v1/principals/erin/reject', { reason: 'lone \udfff' }], ['/api/v1/principals/x%00y/approve', { reason: 'r' }]] as const) {
        const r = await post(url, body, ops);
        assert.ok(r.status < 500, `POST ${url} → ${r.status} ${r.text}`);
      }
    });
  });
}
