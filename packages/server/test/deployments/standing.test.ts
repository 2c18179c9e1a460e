import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExportScope, LogFacts } from '../../src/exports/facts.js';
import { FactsBuilder } from '../../src/exports/facts-builder.js';
import type { RunningCairn } from '../helpers/cairn.js';
import { digestOf, fullRun, objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { TRITON, entriesOfKind, inDays, seedModel, startCairnWith } from './helpers.js';

after(cleanupStores);

const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A Pod CREATE in clinical-prod (hipaa-ai) carrying `versionId` by annotation, its one image vouched for. */
function podReview(uid: string, versionId: string) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'clinical-prod',
      operation: 'CREATE',
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'scorer', annotations: { 'cairn.dev/model-version': versionId } }, spec: { containers: [{ name: 'triton', image: TRITON }] } },
    },
  };
}

for (const storeCase of storeCases) {
  describe(`suspension, retirement and expiry take effect at once, on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let webhook: string;
    let operator: string;
    /** How far the server's clock is ahead of the real one: it only moves forward. */
    let skew = 0;
    before(async () => {
      s = await startCairnWith(storeCase.fresh(), { namespaceZones: { 'clinical-prod': 'hipaa-ai' } }, () => Date.now() + skew);
      webhook = await s.token(['service'], 'kube-apiserver-prod');
      operator = await s.token(['operator'], 'olga');
      await seedModel(s.cairn, {
        name: 'sepsis-watch',
        useCase: 'triage',
        versions: [
          { id: 'mv_st1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai'] },
          { id: 'mv_st2', version: '1.1.0', dataClasses: ['ephi'], zones: ['hipaa-ai'] },
        ],
      });
      await seedModel(s.cairn, { name: 'los-forecast', useCase: 'triage', versions: [{ id: 'mv_los1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai'] }] });
      await seedModel(s.cairn, { name: 'bed-planner', useCase: 'triage', versions: [{ id: 'mv_bed1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai'], approvalExpiresAt: inDays(1) }] });
    });
    after(async () => s.close());

    const deploy = (versionId: string, environment = 'prod') => s.request('POST', '/api/v1/deployments', { token: operator, body: { versionId, zone: 'hipaa-ai', environment, reason: 'CAB-4001' } });
    const admit = async (uid: string, versionId: string) => {
      const res = await s.request('POST', '/api/v1/admission/validate', { token: webhook, body: podReview(uid, versionId) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.response as { allowed: boolean; status?: { message: string } };
    };
    const listed = async (model: string) => (await s.request('GET', `/api/v1/deployments?zone=hipaa-ai&model=${model}`, { token: operator })).body.deployments as { id: string; versionId: string; state: string; endedAt: string | null }[];

    it('suspending a deployed version denies its pods at the next review, and its deployment lists as suspended', async () => {
      assert.equal((await deploy('mv_st1')).status, 201);
      const second = await deploy('mv_st2');
      assert.equal(second.status, 201);
      assert.equal((await admit('u-before', 'mv_st2')).allowed, true);

      const suspended = await s.request('POST', '/api/v1/model-versions/mv_st2/suspend', { body: { reason: 'INC-500 false negatives' } });
      assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
      const denied = await admit('u-after', 'mv_st2');
      assert.equal(denied.allowed, false);
      assert.match(denied.status!.message, /sepsis-watch@1\.1\.0 \(mv_st2\) is suspended, and its deployment dep_[\w-]+ in hipaa-ai is suspended/);
      const [row] = await listed('sepsis-watch');
      assert.deepEqual([row!.id, row!.versionId, row!.state, row!.endedAt], [second.body.deployment.id, 'mv_st2', 'suspended', null], 'it still holds its slot');
      const entry = (await entriesOfKind(s.cairn, 'model_version.suspended')).at(-1)!;
      assert.equal((await s.cairn.deployments.get(second.body.deployment.id)).ledgerIndex < entry.index, true);
    });

    it('a suspended deployment is rolled back in one call to the version before, which admission then allows', async () => {
      const back = await s.request('POST', '/api/v1/rollbacks', { token: operator, body: { model: 'sepsis-watch', zone: 'hipaa-ai', environment: 'prod', reason: 'INC-500' } });
      assert.equal(back.status, 201, JSON.stringify(back.body));
      assert.equal(back.body.deployment.versionId, 'mv_st1');
      assert.equal(back.body.rolledBack.state, 'rolled_back');
      assert.equal((await admit('u-restored', 'mv_st1')).allowed, true);
      assert.equal((await admit('u-still-suspended', 'mv_st2')).allowed, false);
    });

    it('retiring a version retires its deployments, which end', async () => {
      assert.equal((await deploy('mv_los1')).status, 201);
      assert.equal((await s.request('POST', '/api/v1/model-versions/mv_los1/retire', { body: { reason: 'replaced by the bed planner' } })).status, 200);
      const all = await s.cairn.store.db.selectFrom('deployments').selectAll().where('version_id', '=', 'mv_los1').execute();
      assert.deepEqual(all.map((d) => d.state), ['retired']);
      assert.ok(all[0]!.ended_at !== null);
      assert.deepEqual(await listed('los-forecast'), [], 'nothing of it is active now');
      assert.match((await admit('u-retired', 'mv_los1')).status!.message, /\(mv_los1\) has no active deployment in hipaa-ai/);
    });

    it('an approval that expires denies admission at once, and refuses the next deploy, recorded', async () => {
      assert.equal((await deploy('mv_bed1')).status, 201);
      assert.equal((await admit('u-bed-ok', 'mv_bed1')).allowed, true);
      skew += 2 * DAY;
      const denied = await admit('u-bed-expired', 'mv_bed1');
      assert.equal(denied.allowed, false);
      assert.match(denied.status!.message, /carries bed-planner@1\.0\.0 \(mv_bed1\), whose approval expired at /);
      const refused = await deploy('mv_bed1', 'staging');
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'deployment_refused');
      const rules = refused.body.error.details.decision.rules as { rule: string; effect: string }[];
      assert.deepEqual(rules.filter((r) => r.effect === 'deny').map((r) => r.rule), ['version.approval_current']);
      const recorded = await s.cairn.ledger.entry(refused.body.error.details.ledgerIndex);
      assert.equal(recorded.entry.kind, 'deployment.refused');
    });

    it('a waiver that validation relied on, once expired, refuses deployment and denies admission; the approval alone does not hold it up', async () => {
      const tokens: Record<string, string> = {};
      for (const [who, role] of [['erin', 'engineer'], ['sam', 'steward'], ['bea', 'reviewer:business'], ['mo', 'reviewer:model-risk'], ['cara', 'reviewer:compliance']] as const) tokens[who] = await s.token([role], who);
      const post = async (url: string, body: object, who: string) => {
        const r = await s.request('POST', url, { token: tokens[who]!, body });
        assert.ok(r.status === 200 || r.status === 201, `${who} POST ${url} → ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
      };
      const ds = await post('/api/v1/datasets', { name: 'ed-visits', objects: objects('ed', 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' }, 'erin');
      await post(`/api/v1/datasets/${ds.digest}/certify`, { reason: 'checked' }, 'sam');
      const run = await post('/api/v1/runs', { name: 'triage-train', inputs: [ds.digest], ...fullRun('triage-waived') }, 'erin');
      await post(`/api/v1/runs/${run.run.id}/complete`, { outputs: [{ name: 'triage.onnx', digest: digestOf('triage-waived') }], metrics: { auc: 0.72 } }, 'erin');
      await post('/api/v1/models', { name: 'triage-waived', owner: 'ed-ops', useCase: 'triage', riskTier: 'high', description: 'ED triage' }, 'erin');
      const v = await post('/api/v1/models/triage-waived/versions', { version: '1.0.0', artifacts: [{ name: 'triage.onnx', digest: digestOf('triage-waived') }], runId: run.run.id, modelCard: '# Triage' }, 'erin');
      for (const [kind, metrics] of [['evaluation', { auc: 0.72 }], ['fairness', { demographic_parity_difference: 0.04, disparate_impact_ratio: 0.9 }], ['red_team', null], ['security_review', null], ['rollback_plan', null], ['monitoring_plan', null]] as const) {
        await post(`/api/v1/model-versions/${v.id}/evidence`, { kind, title: kind, mediaType: 'text/plain', content: b64(kind), ...(metrics ? { metrics } : {}) }, 'erin');
      }
      // AUC 0.72 is under the high tier's 0.75: waived for 10 days, while the approval holds 90.
      const w = await post(`/api/v1/model-versions/${v.id}/waivers`, { rule: 'metric.evaluation.auc', reason: 'within the CI of the bar; human review of every score', days: 10 }, 'erin');
      await post(`/api/v1/waivers/${w.id}/approve`, { reason: 'accepted by model risk' }, 'mo');
      await post(`/api/v1/model-versions/${v.id}/validate`, {}, 'erin');
      const submitted = await post(`/api/v1/model-versions/${v.id}/submit`, { useCases: ['triage'], zones: ['hipaa-ai'] }, 'erin');
      for (const [who, role] of [['bea', 'reviewer:business'], ['mo', 'reviewer:model-risk'], ['cara', 'reviewer:compliance']] as const) {
        await post(`/api/v1/model-versions/${v.id}/approvals`, { role, evidenceSet: submitted.evidenceSet, reason: 'reviewed' }, who);
      }
      const first = await deploy(v.id);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.ok(first.body.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'version.waiver_current' && r.effect === 'allow'), 'the decision names the waiver it relies on');
      assert.equal((await admit('u-waived-ok', v.id)).allowed, true);

      skew += 11 * DAY;
      const refused = await deploy(v.id, 'staging');
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      const denials = (refused.body.error.details.decision.rules as { rule: string; effect: string; reason: string }[]).filter((r) => r.effect === 'deny');
      assert.deepEqual(denials.map((r) => r.rule), ['version.waiver_current']);
      assert.match(denials[0]!.reason, new RegExp(`relied on a waiver of metric\\.evaluation\\.auc, which expired at .* \\(${w.id}\\)`));
      assert.equal((await s.cairn.ledger.entry(refused.body.error.details.ledgerIndex)).entry.kind, 'deployment.refused');
      const denied = await admit('u-waived-expired', v.id);
      assert.equal(denied.allowed, false);
      assert.match(denied.status!.message, /relied on a waiver of metric\.evaluation\.auc, which expired at/);
    });

    it('a compliance export, which replays the ledger, sees the same deployment states as the store', async () => {
      await s.cairn.ledger.flush();
      const builder = new FactsBuilder(new Map());
      for (const e of await s.cairn.ledger.entries(0, await s.cairn.ledger.size())) builder.add(e.index, e.entry);
      const replayed = builder.build({} as ExportScope, {} as LogFacts, []).deployments.map((d) => [d.id, d.state, d.endedAt]);
      const rows = (await s.cairn.store.db.selectFrom('deployments').select(['id', 'state', 'ended_at']).execute()).map((d) => [d.id, d.state, d.ended_at]);
      const order = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : 1);
      assert.deepEqual(replayed.sort(order), rows.sort(order));
      assert.ok(rows.some((r) => r[1] === 'rolled_back') && rows.some((r) => r[1] === 'retired'));
    });
  });
}
