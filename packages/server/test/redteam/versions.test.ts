import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded, entriesOf, validatedVersion } from '../helpers/versions.js';

after(cleanupStores);

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Red team: a model version's approvals and waivers, attacked through several identities of one person. */
for (const storeCase of storeCases) {
  describe(`red team: versions on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let erin: string; // engineer and model-risk reviewer: the author
    let erinBot: string; // erin's service account
    let sue: string; // engineer and business reviewer
    let bea: string;
    let sec: string;
    let mo: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      const ops = await s.opsToken();
      erin = await s.token(['engineer', 'reviewer:model-risk'], 'erin');
      sue = await s.token(['engineer', 'reviewer:business'], 'sue');
      bea = await s.token(['reviewer:business'], 'bea');
      sec = await s.token(['reviewer:security'], 'sec');
      mo = await s.token(['reviewer:model-risk'], 'mo');
      assert.equal((await post('/api/v1/principals', { id: 'erin-ci', type: 'service', owner: 'erin', roles: ['engineer', 'reviewer:model-risk'], reason: 'erin pipelines' }, s.adminToken)).status, 201);
      assert.equal((await post('/api/v1/principals/erin-ci/approve', { reason: 'checked it' }, ops)).status, 200);
      const t = await post('/api/v1/tokens', { principal: 'erin-ci', roles: ['engineer', 'reviewer:model-risk'], ttl: 3600 }, erin);
      assert.equal(t.status, 201, t.text);
      erinBot = t.body.token;
    });
    after(async () => s.close());
    const post = (url: string, body: unknown, token: string) => s.request('POST', url, { token, body });
    const submit = (id: string, zones: string[], token: string) => post(`/api/v1/model-versions/${id}/submit`, { useCases: ['fraud_alert_prioritisation'], zones }, token);
    const approve = (id: string, role: string, evidenceSet: string, token: string) => post(`/api/v1/model-versions/${id}/approvals`, { role, evidenceSet, reason: 'reviewed' }, token);

    it('waivers: requested through the service account, decided by its owner (and the other way round) is refused and recorded', async () => {
      const v = await validatedVersion(s, sue, 'rt-w1');
      const w1 = await post(`/api/v1/model-versions/${v.id}/waivers`, { rule: 'evidence.fairness', reason: 'not applicable to ranking', days: 30 }, erinBot);
      assert.equal(w1.status, 201, w1.text);
      const byOwner = await post(`/api/v1/waivers/${w1.body.id}/approve`, { reason: 'fine by me' }, erin);
      assert.equal(byOwner.status, 403);
      await assertRecorded(s, byOwner, 'separation_of_duties', 'model_version.waiver_refused');
      const v2 = await validatedVersion(s, sue, 'rt-w2');
      const w2 = await post(`/api/v1/model-versions/${v2.id}/waivers`, { rule: 'evidence.fairness', reason: 'not applicable to ranking', days: 30 }, erin);
      const byBot = await post(`/api/v1/waivers/${w2.body.id}/approve`, { reason: 'fine by me' }, erinBot);
      assert.equal(byBot.status, 403);
      await assertRecorded(s, byBot, 'separation_of_duties', 'model_version.waiver_refused');
      // The author's service account cannot decide a waiver on the author's version either.
      const v3 = await validatedVersion(s, erin, 'rt-w3');
      const w3 = await post(`/api/v1/model-versions/${v3.id}/waivers`, { rule: 'evidence.fairness', reason: 'not applicable to ranking', days: 30 }, sue);
      const authorBot = await post(`/api/v1/waivers/${w3.body.id}/reject`, { reason: 'not acceptable here' }, erinBot);
      assert.equal(authorBot.status, 403);
      assert.equal((await post(`/api/v1/waivers/${w3.body.id}/approve`, { reason: 'acceptable' }, mo)).status, 200);
    });

    it("the author's service account cannot approve, nor can the author once its bot added evidence", async () => {
      const v = await validatedVersion(s, sue, 'rt-a1');
      assert.equal((await submit(v.id, ['regulated-ai-eu'], sue)).status, 200);
      const ev = await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'red_team', title: 'extra', mediaType: 'text/plain', content: b64('more') }, erinBot);
      assert.equal(ev.status, 201, ev.text);
      // erin holds no business/security role; sue's bot would be sue. So: bea approves, sec approves — but erin-ci added evidence: erin is excluded from everything on it.
      const w = await post(`/api/v1/model-versions/${v.id}/waivers`, { rule: 'evidence.fairness', reason: 'not applicable to ranking', days: 30 }, sue);
      const r = await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'fine by me' }, erin);
      assert.equal(r.status, 403, 'erin added evidence through erin-ci');
    });

    it('a reviewer who adds evidence after approving loses the approval and cannot approve again; replaying an approval is refused', async () => {
      const v = await validatedVersion(s, erin, 'rt-e1');
      assert.equal((await submit(v.id, ['regulated-ai-eu'], erin)).status, 200);
      assert.equal((await approve(v.id, 'reviewer:business', v.evidenceSet, sue)).status, 200);
      const replay = await approve(v.id, 'reviewer:business', v.evidenceSet, sue);
      assert.equal(replay.status, 403, replay.text);
      await assertRecorded(s, replay, 'separation_of_duties', 'model_version.approval_refused');
      const ev = await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'red_team', title: 'my own', mediaType: 'text/plain', content: b64('sue') }, sue);
      assert.equal(ev.status, 201);
      assert.equal(ev.body.approvals.filter((a: { valid: boolean }) => a.valid).length, 0);
      const again = await approve(v.id, 'reviewer:business', ev.body.evidenceSet, sue);
      assert.equal(again.status, 403);
      await assertRecorded(s, again, 'separation_of_duties', 'model_version.approval_refused');
    });

    it('one person approving twice at once, as a user and through a service account, in the two roles the tier needs, gets one approval', async () => {
      const ops = await s.opsToken();
      const rb = await s.token(['reviewer:business', 'reviewer:security'], 'rb');
      assert.equal((await post('/api/v1/principals', { id: 'rb-bot', type: 'service', owner: 'rb', roles: ['reviewer:security'], reason: 'review automation' }, s.adminToken)).status, 201);
      assert.equal((await post('/api/v1/principals/rb-bot/approve', { reason: 'checked it' }, ops)).status, 200);
      const t = await post('/api/v1/tokens', { principal: 'rb-bot', roles: ['reviewer:security'], ttl: 3600 }, rb);
      assert.equal(t.status, 201, t.text);
      for (let i = 0; i < 3; i++) {
        const v = await validatedVersion(s, erin, `rt-twice${i}`);
        assert.equal((await submit(v.id, ['regulated-ai-eu'], erin)).status, 200);
        const [a, b] = await Promise.all([approve(v.id, 'reviewer:business', v.evidenceSet, rb), approve(v.id, 'reviewer:security', v.evidenceSet, t.body.token)]);
        assert.deepEqual([a.status, b.status].sort(), [200, 403], `${a.text} / ${b.text}`);
        const refused = a.status === 403 ? a : b;
        await assertRecorded(s, refused, 'separation_of_duties', 'model_version.approval_refused');
        const d = (await s.request('GET', `/api/v1/model-versions/${v.id}`, { token: bea })).body;
        assert.equal(d.state, 'validated');
      }
    });

    it('racing an approval against a widening re-submission never leaves an approval that does not cover the submission', async () => {
      for (let i = 0; i < 4; i++) {
        const v = await validatedVersion(s, erin, `rt-race${i}`);
        assert.equal((await submit(v.id, ['regulated-ai-eu'], erin)).status, 200);
        assert.equal((await approve(v.id, 'reviewer:business', v.evidenceSet, bea)).status, 200);
        const [a, b] = await Promise.all([approve(v.id, 'reviewer:security', v.evidenceSet, sec), submit(v.id, ['regulated-ai-eu', 'regulated-ai-us'], erin)]);
        assert.ok(a.status < 500 && b.status < 500, `${a.status} ${a.text} / ${b.status} ${b.text}`);
        const d = (await s.request('GET', `/api/v1/model-versions/${v.id}`, { token: bea })).body;
        const approvals = await entriesOf(s, 'model_version.approval');
        for (const ap of d.approvals.filter((x: { valid: boolean }) => x.valid)) {
          const entry = approvals.find((e) => e.entry.body['id'] === ap.id)!;
          const zones = entry.entry.body['zones'] as string[];
          for (const z of d.zones) assert.ok(zones.includes(z), `approval ${ap.id} named ${zones} but the version is submitted for ${d.zones}`);
        }
        if (d.state === 'approved') assert.deepEqual([...d.zones].sort(), ['regulated-ai-eu']);
      }
    });
  });
}
