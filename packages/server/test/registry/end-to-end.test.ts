import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyCheckpoint, verifyInclusion } from '@cairn/verify';
import { auditStore } from '../../src/ledger/audit.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { digestOf, fullRun, objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * The whole path of the mission, through the public API: data in quarantine → certified →
 * training run → version → evidence → approvals by three reviewers (the author refused) →
 * deployment → rollback; then the log verifies and every step is an entry with a proof.
 */
for (const storeCase of storeCases) {
  describe(`end to end on ${storeCase.name}`, () => {
    let s: RunningCairn;
    const t: Record<string, string> = {};
    before(async () => {
      s = await startCairn(storeCase.fresh());
      for (const [who, roles] of [
        ['erin', ['engineer']],
        ['sam', ['steward']],
        ['bea', ['reviewer:business']],
        ['mo', ['reviewer:model-risk']],
        ['cara', ['reviewer:compliance']],
        ['olga', ['operator']],
      ] as const) {
        t[who] = await s.token([...roles], who);
      }
    });
    after(async () => s.close());

    const post = async (url: string, body: object, who: string, status = [200, 201]) => {
      const r = await s.request('POST', url, { token: t[who]!, body });
      assert.ok(status.includes(r.status), `${who} POST ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    it('walks data → model → approvals → deployment → rollback, every step proved', async () => {
      const start = await s.cairn.ledger.size();
      const raw = await post('/api/v1/datasets', { name: 'ehr', objects: objects('ehr', 3), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' }, 'erin');
      assert.equal(raw.state, 'quarantine');
      await post(`/api/v1/datasets/${raw.digest}/certify`, { reason: 'DQ passed' }, 'sam');

      const versions: string[] = [];
      await post('/api/v1/models', { name: 'readmission', owner: 'clinical-ai', useCase: 'triage', riskTier: 'high', description: '30-day readmission risk' }, 'erin');
      for (const n of [1, 2]) {
        const run = await post('/api/v1/runs', { name: `train-${n}`, inputs: [raw.digest], ...fullRun(`readmission-${n}`) }, 'erin');
        await post(`/api/v1/runs/${run.run.id}/complete`, { outputs: [{ name: 'model.onnx', digest: digestOf(`model-${n}`) }], metrics: { auc: 0.8 } }, 'erin');
        const v = await post('/api/v1/models/readmission/versions', { version: `${n}.0.0`, artifacts: [{ name: 'model.onnx', digest: digestOf(`model-${n}`) }], runId: run.run.id, modelCard: `# v${n}` }, 'erin');
        for (const [kind, metrics] of [['evaluation', { auc: 0.8 }], ['fairness', { demographic_parity_difference: 0.02, disparate_impact_ratio: 0.95 }], ['red_team', null], ['security_review', null], ['rollback_plan', null], ['monitoring_plan', null]] as const) {
          await post(`/api/v1/model-versions/${v.id}/evidence`, { kind, title: kind, mediaType: 'text/plain', content: b64(`${kind} v${n}`), ...(metrics ? { metrics } : {}) }, 'erin');
        }
        await post(`/api/v1/model-versions/${v.id}/validate`, {}, 'erin');
        const d = await post(`/api/v1/model-versions/${v.id}/submit`, { useCases: ['triage'], zones: ['hipaa-ai'] }, 'erin');
        // The author cannot approve (no reviewer role: 403), whatever role it names.
        await post(`/api/v1/model-versions/${v.id}/approvals`, { role: 'reviewer:business', evidenceSet: d.evidenceSet, reason: 'my own work' }, 'erin', [403]);
        for (const [who, role] of [['bea', 'reviewer:business'], ['mo', 'reviewer:model-risk'], ['cara', 'reviewer:compliance']] as const) {
          await post(`/api/v1/model-versions/${v.id}/approvals`, { role, evidenceSet: d.evidenceSet, reason: `${role} review done` }, who);
        }
        assert.equal((await s.request('GET', `/api/v1/model-versions/${v.id}`)).body.state, 'approved');
        versions.push(v.id);
      }

      // An ePHI-trained model never lands in standard-ai: refused with the reasons, and recorded.
      const refused = await s.request('POST', '/api/v1/deployments', { token: t['olga']!, body: { versionId: versions[0], zone: 'standard-ai', environment: 'prod', reason: 'try' } });
      assert.ok([403, 422].includes(refused.status), JSON.stringify(refused.body));
      await post('/api/v1/deployments', { versionId: versions[0], zone: 'hipaa-ai', environment: 'prod', reason: 'first release' }, 'olga');
      await post('/api/v1/deployments', { versionId: versions[1], zone: 'hipaa-ai', environment: 'prod', reason: 'second release' }, 'olga');
      const rolledBack = await post('/api/v1/rollbacks', { model: 'readmission', zone: 'hipaa-ai', environment: 'prod', reason: 'calibration drift' }, 'olga');
      assert.ok(JSON.stringify(rolledBack).includes(versions[0]!), 'the previous version is active again');
      const active = await s.request('GET', '/api/v1/deployments?zone=hipaa-ai&environment=prod', { token: t['olga']! });
      assert.equal(active.status, 200);
      assert.ok(JSON.stringify(active.body).includes(versions[0]!));

      // Trace from the model artifact reaches the raw data and its deployment.
      const trace = await s.request('GET', `/api/v1/trace/dataset/${raw.digest}`, { token: t['olga']! });
      const keys = trace.body.nodes.map((n: { key: string }) => n.key);
      assert.ok(keys.some((k: string) => k.startsWith('deployment:')), 'trace reaches the deployments');
      assert.ok(keys.includes(`model-version:${versions[0]}`));
      // From a deployment, one answer reaches approvers, evidence, run, code and raw data.
      const deploymentKey = keys.find((k: string) => k.startsWith('deployment:'))!;
      const up = await s.request('GET', `/api/v1/trace/deployment/${deploymentKey.slice('deployment:'.length)}`, { token: t['olga']! });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      const version = up.body.nodes.find((n: { kind: string }) => n.kind === 'model-version');
      assert.deepEqual(version.details.approvals.map((a: { approver: string }) => a.approver).sort(), ['bea', 'cara', 'mo']);
      assert.equal(version.details.evidence.length, 6);
      assert.ok(up.body.nodes.some((n: { key: string }) => n.key === `dataset:${raw.digest}`), 'down to the raw data');
      assert.ok(up.body.nodes.some((n: { kind: string; details?: { trainer?: string } }) => n.kind === 'run' && n.details?.trainer === 'erin'));

      // The log verifies offline, and every step since the start has an inclusion proof.
      await s.cairn.ledger.flush();
      const report = await auditStore(s.cairn.store);
      assert.equal(report.ok, true, JSON.stringify(report.problem));
      const { verifierKey } = (await s.request('GET', '/api/v1/log/key')).body;
      const entries = await s.cairn.ledger.entries(start, 10_000);
      const kinds = new Set(entries.map((e) => e.entry.kind));
      for (const k of ['dataset.registered', 'dataset.certified', 'run.started', 'run.completed', 'model.registered', 'model_version.registered', 'model_version.evidence_added', 'model_version.validated', 'model_version.submitted', 'model_version.approval', 'deployment.created', 'deployment.rolled_back']) {
        assert.ok(kinds.has(k), `the ledger has ${k} (has ${[...kinds].join(', ')})`);
      }
      for (const e of entries) {
        const p = await s.request('GET', `/api/v1/log/proof/inclusion?index=${e.index}`);
        const cp = verifyCheckpoint(p.body.checkpoint, verifierKey);
        verifyInclusion(e.index, cp.size, Buffer.from(p.body.leafHash, 'hex'), p.body.hashes.map((h: string) => Buffer.from(h, 'hex')), cp.rootHash);
      }
    });
  });
}
