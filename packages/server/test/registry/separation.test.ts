import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded, entriesOf, validatedVersion } from '../helpers/versions.js';

after(cleanupStores);

/**
 * Separation of duties on model versions, between persons: re-submission, waivers, and the
 * refusals that used to leave no trace.
 */
for (const storeCase of storeCases) {
  describe(`separation of duties on model versions on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let sue: string; // engineer and business reviewer
    let erin: string; // engineer
    let bea: string; // business reviewer
    let sec: string; // security reviewer and model-risk (waivers)
    let mo: string; // model-risk: decides waivers
    let olga: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      sue = await s.token(['engineer', 'reviewer:business'], 'sue');
      erin = await s.token(['engineer', 'reviewer:model-risk'], 'erin');
      bea = await s.token(['reviewer:business'], 'bea');
      sec = await s.token(['reviewer:security'], 'sec');
      mo = await s.token(['reviewer:model-risk'], 'mo');
      olga = await s.token(['operator'], 'olga');
    });
    after(async () => s.close());

    const post = (url: string, body: object, token: string) => s.request('POST', url, { token, body });
    const submit = (id: string, zones: string[], token: string) => post(`/api/v1/model-versions/${id}/submit`, { useCases: ['fraud_alert_prioritisation'], zones }, token);
    const approve = (id: string, role: string, evidenceSet: string, token: string) => post(`/api/v1/model-versions/${id}/approvals`, { role, evidenceSet, reason: 'reviewed' }, token);

    it('re-submission: everyone who ever submitted is excluded, not only the latest submitter', async () => {
      const v = await validatedVersion(s, erin, 'alerts-a');
      assert.equal((await submit(v.id, ['regulated-ai-eu'], sue)).status, 200, 'sue submits');
      assert.equal((await submit(v.id, ['regulated-ai-eu'], erin)).status, 200, 'erin re-submits');
      const res = await approve(v.id, 'reviewer:business', v.evidenceSet, sue);
      assert.equal(res.status, 403);
      const entry = await assertRecorded(s, res, 'separation_of_duties', 'model_version.approval_refused');
      assert.ok((entry.entry.body['decision'] as { reasons: string[] }).reasons.includes('sue submitted this version for review and cannot approve it'));
    });

    it('re-submission that widens the zones withdraws the approvals; the added zone is not deployable', async () => {
      const v = await validatedVersion(s, erin, 'alerts-b');
      assert.equal((await submit(v.id, ['regulated-ai-eu'], erin)).status, 200);
      assert.equal((await approve(v.id, 'reviewer:business', v.evidenceSet, bea)).status, 200);
      const widened = await submit(v.id, ['regulated-ai-eu', 'standard-ai'], erin);
      assert.equal(widened.status, 200);
      assert.equal(widened.body.approvals.filter((a: { valid: boolean }) => a.valid).length, 0, 'the approval named a narrower scope');
      const last = (await entriesOf(s, 'model_version.submitted')).at(-1)!;
      assert.equal(last.entry.body['withdrawsApprovals'], true);
      // bea approves again (the widened scope), sec adds the security approval: approved for both zones now.
      assert.equal((await approve(v.id, 'reviewer:business', v.evidenceSet, bea)).status, 200);
      const done = await approve(v.id, 'reviewer:security', v.evidenceSet, sec);
      assert.equal(done.body.version.state, 'approved');

      // The same trick after full approval: widening sends an approved version back to review.
      const w = await validatedVersion(s, erin, 'alerts-c');
      await submit(w.id, ['regulated-ai-eu'], erin);
      await approve(w.id, 'reviewer:business', w.evidenceSet, bea);
      assert.equal((await approve(w.id, 'reviewer:security', w.evidenceSet, sec)).body.version.state, 'approved');
      const back = await submit(w.id, ['regulated-ai-eu', 'regulated-ai-us'], erin);
      assert.equal(back.body.state, 'validated');
      const deploy = await post('/api/v1/deployments', { versionId: w.id, zone: 'regulated-ai-us', environment: 'prod', reason: 'CHG-9' }, olga);
      assert.equal(deploy.status, 422, deploy.text);
      assert.equal(deploy.body.error.code, 'deployment_refused');
      // Narrowing keeps what was approved for more.
      const x = await validatedVersion(s, erin, 'alerts-d');
      await submit(x.id, ['regulated-ai-eu', 'regulated-ai-us'], erin);
      await approve(x.id, 'reviewer:business', x.evidenceSet, bea);
      const narrowed = await submit(x.id, ['regulated-ai-eu'], erin);
      assert.equal(narrowed.body.approvals.filter((a: { valid: boolean }) => a.valid).length, 1);
    });

    it('a reviewer approving twice, in the same role or another, is refused and recorded', async () => {
      const v = await validatedVersion(s, erin, 'alerts-e');
      await submit(v.id, ['regulated-ai-eu'], erin);
      assert.equal((await approve(v.id, 'reviewer:business', v.evidenceSet, bea)).status, 200);
      const again = await approve(v.id, 'reviewer:business', v.evidenceSet, bea);
      assert.equal(again.status, 403);
      const entry = await assertRecorded(s, again, 'separation_of_duties', 'model_version.approval_refused');
      assert.ok((entry.entry.body['decision'] as { rules: { rule: string; effect: string }[] }).rules.some((r) => r.rule === 'separation_of_duties.one_approval_per_person' && r.effect === 'deny'));
    });

    it('waivers: decided by nobody who took part in the version, and every refusal recorded', async () => {
      const v = await validatedVersion(s, erin, 'alerts-f');
      // sue (a colleague) asks for the waiver; erin, the author, holds reviewer:model-risk.
      const w = await post(`/api/v1/model-versions/${v.id}/waivers`, { rule: 'evidence.monitoring_plan', reason: 'plan due next sprint', days: 30 }, sue);
      assert.equal(w.status, 201, w.text);
      const byAuthor = await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'fine by me' }, erin);
      assert.equal(byAuthor.status, 403);
      const e1 = await assertRecorded(s, byAuthor, 'separation_of_duties', 'model_version.waiver_refused');
      assert.ok((e1.entry.body['decision'] as { reasons: string[] }).reasons.includes('erin authored this version and cannot decide it'));
      // The requester herself (she holds no waiver role): refused as a separation of duties, recorded.
      const w2 = await post(`/api/v1/model-versions/${v.id}/waivers`, { rule: 'evidence.red_team', reason: 'scheduled', days: 30 }, erin);
      const byRequester = await post(`/api/v1/waivers/${w2.body.id}/approve`, { reason: 'mine' }, erin);
      assert.equal(byRequester.status, 403);
      await assertRecorded(s, byRequester, 'separation_of_duties', 'model_version.waiver_refused');
      // mo took no part: mo decides.
      const ok = await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'monitoring plan is tracked in RISK-7' }, mo);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.decidedBy, 'mo');
    });
  });
}
