import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { digestOf, fullRun, objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const b64 = (s: string) => Buffer.from(s).toString('base64');

for (const storeCase of storeCases) {
  describe(`model registry on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let engineer: string; // author, trainer and submitter
    let steward: string;
    let business: string;
    let modelRisk: string;
    let compliance: string;
    let doubleHat: string; // holds two reviewer roles
    let versionId: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      engineer = await s.token(['engineer'], 'erin');
      steward = await s.token(['steward'], 'sam');
      business = await s.token(['reviewer:business'], 'bea');
      modelRisk = await s.token(['reviewer:model-risk'], 'mo');
      compliance = await s.token(['reviewer:compliance'], 'cara');
      doubleHat = await s.token(['reviewer:business', 'reviewer:compliance'], 'dana');
    });
    after(async () => s.close());

    const post = (url: string, body: object, token: string) => s.request('POST', url, { token, body });

    it('registers a high-risk model and a version trained on certified ePHI', async () => {
      const ds = await post('/api/v1/datasets', { name: 'ehr', objects: objects('ehr', 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' }, engineer);
      assert.equal((await post(`/api/v1/datasets/${ds.body.digest}/certify`, { reason: 'checked' }, steward)).status, 200);
      const run = await post('/api/v1/runs', { name: 'triage-train', inputs: [ds.body.digest], ...fullRun('triage') }, engineer);
      await post(`/api/v1/runs/${run.body.run.id}/complete`, { outputs: [{ name: 'triage.onnx', digest: digestOf('triage-model') }], metrics: { auc: 0.8 } }, engineer);

      const bad = await post('/api/v1/models', { name: 'triage', owner: 'ed-ops', useCase: 'triage', riskTier: 'low', description: 'ED triage' }, engineer);
      assert.equal(bad.status, 422, 'a triage model cannot declare itself low risk');
      assert.equal(bad.body.error.code, 'unknown_risk_tier');
      const model = await post('/api/v1/models', { name: 'triage', owner: 'ed-ops', useCase: 'triage', riskTier: 'high', description: 'ED triage' }, engineer);
      assert.equal(model.status, 201, JSON.stringify(model.body));
      const v = await post('/api/v1/models/triage/versions', { version: '1.0.0', artifacts: [{ name: 'triage.onnx', digest: digestOf('triage-model') }], runId: run.body.run.id, modelCard: '# Triage v1' }, engineer);
      assert.equal(v.status, 201, JSON.stringify(v.body));
      versionId = v.body.id;
      assert.equal(v.body.state, 'draft');
      assert.deepEqual(v.body.dataClasses, ['ephi'], 'the data classes of everything upstream');
      assert.equal(v.body.trainer, 'erin');
      const dup = await post('/api/v1/models/triage/versions', { version: '1.0.0', artifacts: [{ name: 'x', digest: digestOf('x') }], modelCard: 'x' }, engineer);
      assert.equal(dup.status, 409);
    });

    it('validates only with every evidence kind and metric the tier requires, listing each failure', async () => {
      await post(`/api/v1/model-versions/${versionId}/evidence`, { kind: 'evaluation', title: 'held-out eval', mediaType: 'application/json', content: b64('{"auc":0.72}'), metrics: { auc: 0.72 } }, engineer);
      const refused = await post(`/api/v1/model-versions/${versionId}/validate`, {}, engineer);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'validation_failed');
      const denied = refused.body.error.details.decision.rules.filter((r: { effect: string }) => r.effect === 'deny').map((r: { rule: string }) => r.rule);
      assert.deepEqual(denied, ['metric.evaluation.auc', 'evidence.fairness', 'metric.fairness.demographic_parity_difference', 'metric.fairness.disparate_impact_ratio', 'evidence.red_team', 'evidence.security_review', 'evidence.rollback_plan', 'evidence.monitoring_plan']);
      for (const [kind, metrics] of [['fairness', { demographic_parity_difference: 0.04, disparate_impact_ratio: 0.9 }], ['red_team', undefined], ['security_review', undefined], ['rollback_plan', undefined], ['monitoring_plan', undefined]] as const) {
        const r = await post(`/api/v1/model-versions/${versionId}/evidence`, { kind, title: kind, mediaType: 'text/markdown', content: b64(`# ${kind}`), ...(metrics ? { metrics } : {}) }, engineer);
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      // AUC 0.72 < 0.75: a waiver, approved by a governance role that did not request it.
      const w = await post(`/api/v1/model-versions/${versionId}/waivers`, { rule: 'metric.evaluation.auc', reason: 'AUC within CI of threshold; compensating human review', days: 30 }, engineer);
      assert.equal(w.status, 201);
      assert.equal((await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'ok' }, engineer)).status, 403);
      const byAdmin = await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'admin says yes' }, s.adminToken);
      assert.equal(byAdmin.status, 403, 'the policy names who decides waivers, and admin is not among them');
      assert.deepEqual(byAdmin.body.error.details.approverRoles, ['reviewer:model-risk', 'reviewer:compliance']);
      const tooLong = await post(`/api/v1/model-versions/${versionId}/waivers`, { rule: 'metric.evaluation.auc', reason: 'for a long time', days: 120 }, engineer);
      assert.equal(tooLong.status, 400);
      assert.match(tooLong.body.error.message, /at most 90 days/);
      const wa = await post(`/api/v1/waivers/${w.body.id}/approve`, { reason: 'accepted by model risk' }, modelRisk);
      assert.equal(wa.status, 200, JSON.stringify(wa.body));
      const ok = await post(`/api/v1/model-versions/${versionId}/validate`, {}, engineer);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.version.state, 'validated');
      assert.ok(ok.body.decision.rules.some((r: { rule: string }) => r.rule === 'waiver.metric.evaluation.auc'), 'the waiver is visible in the decision');
    });

    it('enforces separation of duties and the tier roles, then approves after the three reviewers', async () => {
      const submitted = await post(`/api/v1/model-versions/${versionId}/submit`, { useCases: ['triage'], zones: ['hipaa-ai'] }, engineer);
      assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
      const evidenceSet = submitted.body.evidenceSet;
      assert.deepEqual(submitted.body.pending.map((p: { role: string }) => p.role).sort(), ['reviewer:business', 'reviewer:compliance', 'reviewer:model-risk']);

      const inbox = await s.request('GET', '/api/v1/reviews?role=reviewer:compliance', { token: compliance });
      assert.equal(inbox.status, 200);
      assert.equal(inbox.body.reviews[0].id, versionId);
      assert.equal(inbox.body.reviews[0].evidence.length, 6, 'all evidence references on one screen');

      // The author (also trainer and submitter) holds no reviewer role: 403 by the matrix.
      const self = await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:business', evidenceSet, reason: 'mine' }, engineer);
      assert.equal(self.status, 403);
      // An approval must name the current evidence set.
      const stale = await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:business', evidenceSet: digestOf('old'), reason: 'looks right' }, business);
      assert.equal(stale.status, 409, JSON.stringify(stale.body));
      assert.equal(stale.body.error.code, 'evidence_set_mismatch');
      // A role not held.
      assert.equal((await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:compliance', evidenceSet, reason: 'looks right' }, business)).status, 403);

      assert.equal((await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:business', evidenceSet, reason: 'clinically sound' }, doubleHat)).status, 200);
      const twoHats = await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:compliance', evidenceSet, reason: 'also fine' }, doubleHat);
      assert.equal(twoHats.status, 403);
      assert.equal(twoHats.body.error.code, 'separation_of_duties');
      const again = await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:business', evidenceSet, reason: 'more' }, business);
      assert.equal(again.status, 409, 'the business approval is already given');
      assert.equal(again.body.error.code, 'approval_not_required');

      assert.equal((await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:model-risk', evidenceSet, reason: 'validated by MRM' }, modelRisk)).status, 200);
      const last = await post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:compliance', evidenceSet, reason: 'HIPAA review done' }, compliance);
      assert.equal(last.status, 200, JSON.stringify(last.body));
      assert.equal(last.body.version.state, 'approved');
      assert.deepEqual(last.body.version.zones, ['hipaa-ai']);
      assert.ok(Date.parse(last.body.version.approvalExpiresAt) > Date.now() + 89 * 86_400_000, 'valid for the tier’s 90 days');
      const refusals = (await s.cairn.ledger.entries(0, 10_000)).filter((e) => e.entry.kind === 'model_version.approval_refused');
      assert.equal(refusals.length, 1, 'the two-hat refusal is recorded');
    });

    it('sends an approved version back to review when evidence changes', async () => {
      const added = await post(`/api/v1/model-versions/${versionId}/evidence`, { kind: 'document', title: 'late addendum', mediaType: 'text/plain', content: b64('addendum') }, engineer);
      assert.equal(added.status, 201);
      assert.equal(added.body.state, 'validated');
      assert.ok(added.body.approvals.every((a: { valid: boolean }) => !a.valid));
      assert.equal(added.body.pending.length, 3, 'all three reviewers are asked again');
      const doc = await s.request('GET', `/api/v1/evidence/${added.body.evidence.at(-1).digest}`);
      assert.equal(doc.text, 'addendum');
    });

    it('refuses illegal transitions with the current and allowed states, and bad input with 4xx', async () => {
      const before = await s.cairn.ledger.size();
      const v = await s.request('GET', `/api/v1/model-versions/${versionId}`);
      const invalid = await post(`/api/v1/model-versions/${versionId}/validate`, {}, engineer);
      assert.equal(invalid.status, 409);
      assert.deepEqual(invalid.body.error.details, { state: 'validated', allowed: ['approved', 'rejected', 'suspended'] });
      assert.equal((await post('/api/v1/models/triage/versions', { version: '2', artifacts: [], modelCard: 'x' }, engineer)).status, 400);
      assert.equal((await post('/api/v1/models/nope/versions', { version: '2', artifacts: [{ name: 'a', digest: digestOf('a') }], modelCard: 'x' }, engineer)).status, 404);
      assert.equal((await post(`/api/v1/model-versions/${versionId}/submit`, { useCases: ['triage'], zones: ['moon'] }, engineer)).status, 400);
      assert.equal((await s.request('GET', '/api/v1/model-versions/mv_unknown')).status, 404);
      assert.equal((await post(`/api/v1/model-versions/${versionId}/evidence`, { kind: 'x', title: 't', mediaType: 'text/plain', content: '***' }, engineer)).status, 400);
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
      assert.equal(v.body.state, 'validated');
    });

    it('serialises concurrent approvals: one wins per role', async () => {
      const evidenceSet = (await s.request('GET', `/api/v1/model-versions/${versionId}`)).body.evidenceSet;
      const other = await s.token(['reviewer:model-risk'], 'max');
      const [a, b] = await Promise.all([
        post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:model-risk', evidenceSet, reason: 'approve a' }, modelRisk),
        post(`/api/v1/model-versions/${versionId}/approvals`, { role: 'reviewer:model-risk', evidenceSet, reason: 'approve b' }, other),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409], JSON.stringify([a.body, b.body]));
      const d = (await s.request('GET', `/api/v1/model-versions/${versionId}`)).body;
      assert.equal(d.approvals.filter((x: { valid: boolean; role: string }) => x.valid && x.role === 'reviewer:model-risk').length, 1);
    });
  });
}
