import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { examplePolicyPath } from '../../src/policy/index.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded } from '../helpers/versions.js';

after(cleanupStores);

const example = fs.readFileSync(examplePolicyPath(), 'utf8');
const tightened = (n: number) => example.replace(/max_days: 90\n/, `max_days: ${90 - n}\n`);

/** Red team: activating a policy pack alone, through a service account. */
for (const storeCase of storeCases) {
  describe(`red team: policy activation on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let pat: string; // steward and compliance reviewer: may both propose and approve, never both on one pack
    let patBot: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      const ops = await s.opsToken();
      pat = await s.token(['steward', 'reviewer:compliance'], 'pat');
      assert.equal((await post('/api/v1/principals', { id: 'pat-bot', type: 'service', owner: 'pat', roles: ['steward', 'reviewer:compliance'], reason: 'policy pipeline' }, s.adminToken)).status, 201);
      assert.equal((await post('/api/v1/principals/pat-bot/approve', { reason: 'checked it' }, ops)).status, 200);
      const t = await post('/api/v1/tokens', { principal: 'pat-bot', roles: ['steward', 'reviewer:compliance'], ttl: 3600 }, pat);
      assert.equal(t.status, 201, t.text);
      patBot = t.body.token;
    });
    after(async () => s.close());
    const post = (url: string, body: unknown, token: string) => s.request('POST', url, { token, body });

    it('proposed by the service account, approved by its owner — or the other way round — is refused and recorded', async () => {
      for (const [i, [proposer, approver]] of ([[patBot, pat], [pat, patBot]] as const).entries()) {
        const p = await post('/api/v1/policy/proposals', { source: tightened(i + 1), reason: 'shorter waivers' }, proposer);
        assert.equal(p.status, 201, p.text);
        const a = await post(`/api/v1/policy/proposals/${p.body.id}/approve`, { reason: 'agreed, ship it' }, approver);
        assert.equal(a.status, 403, a.text);
        await assertRecorded(s, a, 'separation_of_duties', 'policy.approval_refused');
      }
      assert.equal((await s.request('GET', '/api/v1/policy/versions?status=active', { token: pat })).body.versions?.length ?? 1, 1);
    });
  });
}
