import assert from 'node:assert/strict';
import type { RunningCairn } from './cairn.js';
import { digestOf, fullRun, objects } from './lineage.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface Ready {
  readonly id: string;
  readonly evidenceSet: string;
}

/**
 * A medium-tier model version (fraud alert prioritisation: evaluation with AUC ≥ 0.7, a security
 * review, rollback and monitoring plans; one reviewer:business and one reviewer:security), validated by its author through the
 * public API, not yet submitted. No training run: these tests are about who may approve.
 */
export async function validatedVersion(s: RunningCairn, author: string, model: string): Promise<Ready> {
  const post = poster(s, author);
  await post('/api/v1/models', { name: model, owner: 'fraud-ops', useCase: 'fraud_alert_prioritisation', riskTier: 'medium', description: 'alert ranking' });
  const v = await post(`/api/v1/models/${model}/versions`, { version: '1.0.0', artifacts: [{ name: 'model.onnx', digest: digestOf(`${model}-weights`) }], modelCard: `# ${model}` });
  await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'evaluation', title: 'held-out', mediaType: 'application/json', content: b64('{"auc":0.8}'), metrics: { auc: 0.8 } });
  await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'security_review', title: 'pen test', mediaType: 'text/markdown', content: b64('# ok') });
  await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'rollback_plan', title: 'rollback', mediaType: 'text/markdown', content: b64('# previous version') });
  const d = await post(`/api/v1/model-versions/${v.id}/evidence`, { kind: 'monitoring_plan', title: 'monitoring', mediaType: 'text/markdown', content: b64('# drift alerts') });
  await post(`/api/v1/model-versions/${v.id}/validate`, {});
  return { id: v.id, evidenceSet: d.evidenceSet };
}

/**
 * A high-tier version (triage, trained on certified ePHI in hipaa-ai with complete lineage, the six
 * evidence kinds; one reviewer:business, one reviewer:model-risk, one reviewer:compliance),
 * validated by its author; `steward` certifies the data.
 */
export async function validatedHighTierVersion(s: RunningCairn, author: string, steward: string, model: string): Promise<Ready> {
  const post = poster(s, author);
  const ds = await post('/api/v1/datasets', { name: `${model}-data`, objects: objects(model, 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' });
  await poster(s, steward)(`/api/v1/datasets/${ds.digest}/certify`, { reason: 'DQ passed' });
  const { run } = await post('/api/v1/runs', { name: `${model}-train`, inputs: [ds.digest], ...fullRun(model) });
  await post(`/api/v1/runs/${run.id}/complete`, { outputs: [{ name: 'model.onnx', digest: digestOf(`${model}-weights`) }], metrics: { auc: 0.81 } });
  await post('/api/v1/models', { name: model, owner: 'clinical-ai', useCase: 'triage', riskTier: 'high', description: 'readmission risk' });
  const v = await post(`/api/v1/models/${model}/versions`, { version: '1.0.0', artifacts: [{ name: 'model.onnx', digest: digestOf(`${model}-weights`) }], runId: run.id, modelCard: `# ${model}` });
  let last: { evidenceSet: string } | undefined;
  for (const [kind, metrics] of [['evaluation', { auc: 0.81 }], ['fairness', { demographic_parity_difference: 0.02, disparate_impact_ratio: 0.95 }], ['red_team', null], ['security_review', null], ['rollback_plan', null], ['monitoring_plan', null]] as const) {
    last = await post(`/api/v1/model-versions/${v.id}/evidence`, { kind, title: `${kind} report`, mediaType: 'text/plain', content: b64(`${kind} of ${model}`), ...(metrics ? { metrics } : {}) });
  }
  await post(`/api/v1/model-versions/${v.id}/validate`, {});
  return { id: v.id, evidenceSet: last!.evidenceSet };
}

function poster(s: RunningCairn, token: string) {
  return async (url: string, body: object) => {
    const r = await s.request('POST', url, { token, body });
    assert.ok(r.status === 200 || r.status === 201, `POST ${url} → ${r.status} ${r.text}`);
    return r.body;
  };
}

/** Every entry of these kinds, newest last. */
export async function entriesOf(s: RunningCairn, kind: string) {
  await s.cairn.ledger.flush();
  return (await s.cairn.ledger.entries(0, 100_000)).filter((e) => e.entry.kind === kind);
}

/** The refusal the response names is in the ledger, of this kind. */
export async function assertRecorded(s: RunningCairn, res: { status: number; body: any }, code: string, kind: string) {
  assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
  const index = res.body.error.details.ledgerIndex;
  assert.equal(typeof index, 'number', 'the refusal names its ledger entry');
  const entry = await s.cairn.ledger.entry(index);
  assert.equal(entry.entry.kind, kind);
  return entry;
}
