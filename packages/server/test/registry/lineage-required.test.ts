import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { digestOf, fullRun, objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const EVIDENCE = [
  ['evaluation', { auc: 0.81 }],
  ['fairness', { demographic_parity_difference: 0.02, disparate_impact_ratio: 0.95 }],
  ['red_team', null],
  ['security_review', null],
  ['rollback_plan', null],
  ['monitoring_plan', null],
] as const;

for (const storeCase of storeCases) {
  describe(`require_complete_lineage (tier high) on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let engineer: string;
    let ephi: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      engineer = await s.token(['engineer'], 'erin');
      const steward = await s.token(['steward'], 'sam');
      ephi = (await post('/api/v1/datasets', { name: 'ehr', objects: objects('ehr', 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' })).body.digest;
      assert.equal((await s.request('POST', `/api/v1/datasets/${ephi}/certify`, { token: steward, body: { reason: 'checked' } })).status, 200);
      assert.equal((await post('/api/v1/models', { name: 'readmission', owner: 'clinical-ai', useCase: 'triage', riskTier: 'high', description: '30-day readmission risk' })).status, 201);
      assert.equal((await post('/api/v1/models', { name: 'search', owner: 'it', useCase: 'document_search', riskTier: 'low', description: 'intranet search' })).status, 201);
    });
    after(async () => s.close());

    const post = (url: string, body: object) => s.request('POST', url, { token: engineer, body });
    /** A run on the ePHI extract, completed with one output; `start` overrides what it declares. */
    const train = async (seed: string, start: object, evaluator?: string) => {
      const run = await post('/api/v1/runs', { name: seed, inputs: [ephi], ...start });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      const done = await post(`/api/v1/runs/${run.body.run.id}/complete`, { outputs: [{ name: 'model.onnx', digest: digestOf(seed) }], metrics: { auc: 0.81 }, ...(evaluator ? { evaluator } : {}) });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return done.body;
    };
    /** A version of `model` with every evidence kind the tier asks for, so only lineage can fail. */
    const version = async (model: string, v: string, runId?: string) => {
      const res = await post(`/api/v1/models/${model}/versions`, { version: v, artifacts: [{ name: 'model.onnx', digest: digestOf(`${model}-${v}`) }], ...(runId ? { runId } : {}), modelCard: `# ${model} ${v}` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      for (const [kind, metrics] of EVIDENCE) {
        const e = await post(`/api/v1/model-versions/${res.body.id}/evidence`, { kind, title: kind, mediaType: 'text/plain', content: b64(`${kind} ${v}`), ...(metrics ? { metrics } : {}) });
        assert.equal(e.status, 201, JSON.stringify(e.body));
      }
      return res.body.id as string;
    };
    const validate = (id: string) => post(`/api/v1/model-versions/${id}/validate`, {});
    const denied = (res: { body: any }) => res.body.error.details.decision.rules.filter((r: { effect: string }) => r.effect === 'deny').map((r: { rule: string }) => r.rule);

    it('refuses an ePHI model whose run lacks commit, image, lock file and evaluator, listing each, and records the refusal', async () => {
      // The reproduced attack: this version used to validate, be approved and be deployed.
      const run = await train('bare', { zone: 'hipaa-ai', parameters: { epochs: 3 } });
      assert.equal(run.lineageComplete, false);
      const id = await version('readmission', '1.0.0', run.id);
      const res = await validate(id);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'validation_failed');
      assert.deepEqual(denied(res), ['lineage.code.repository', 'lineage.code.commit', 'lineage.image.digest', 'lineage.environment.lockfileSha256', 'lineage.evaluator']);
      assert.match(res.body.error.message, /the high tier requires complete training lineage; run run_\S+ records no code\.commit/);
      const entry = await s.cairn.ledger.entry(res.body.error.details.ledgerIndex);
      assert.equal(entry.entry.kind, 'model_version.validation_failed');
      assert.equal(entry.entry.subject, `model-version:${id}`);
      assert.equal((await s.request('GET', `/api/v1/model-versions/${id}`, { token: engineer })).body.state, 'draft', 'the version stays a draft');
    });

    it('refuses a version that names no training run', async () => {
      const res = await validate(await version('readmission', '1.0.1'));
      assert.equal(res.status, 422);
      assert.deepEqual(denied(res), ['lineage.run']);
    });

    it('validates a version whose run has complete lineage', async () => {
      const run = await train('complete', fullRun('complete'));
      assert.equal(run.lineageComplete, true, JSON.stringify(run.missing));
      const res = await validate(await version('readmission', '1.1.0', run.id));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.decision.rules.some((r: { rule: string; effect: string }) => r.rule === 'lineage.complete' && r.effect === 'allow'));
    });

    it('leaves tiers without the flag alone', async () => {
      const run = await train('low-tier', { zone: 'hipaa-ai' });
      const res = await validate(await version('search', '1.0.0', run.id));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(!res.body.decision.rules.some((r: { rule: string }) => r.rule.startsWith('lineage.')));
    });
  });
}
