import assert from 'node:assert/strict';
import type { RunningCairn } from './cairn.js';
import { commitOf, digestOf, fullRun, objects } from './lineage.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export interface Factory {
  readonly tokens: Record<string, string>;
  readonly raw: string;
  readonly derived: string;
  readonly runs: string[];
  readonly versions: string[];
  /** Ledger size before the factory started. */
  readonly start: number;
}

/**
 * A hospital's readmission-risk model trained on ePHI, through the public API: raw extract in
 * quarantine → certified → derived training set with exclusions → two runs → two versions with
 * evidence → a refused self-approval → three approvals each → a refused standard-ai placement →
 * deployments to hipaa-ai → a rollback. Plus an unrelated model, so scopes have something to leave out.
 */
export async function playFactory(s: RunningCairn): Promise<Factory> {
  const start = await s.cairn.ledger.size();
  const tokens: Record<string, string> = {};
  for (const [who, roles] of [
    ['erin', ['engineer', 'reviewer:business']],
    ['sam', ['steward']],
    ['bea', ['reviewer:business']],
    ['mo', ['reviewer:model-risk']],
    ['cara', ['reviewer:compliance']],
    ['olga', ['operator']],
    ['aud', ['auditor']],
  ] as const) {
    tokens[who] = await s.token([...roles], who);
  }
  const post = async (url: string, body: object, who: string, status = [200, 201]) => {
    const r = await s.request('POST', url, { token: tokens[who]!, body });
    assert.ok(status.includes(r.status), `${who} POST ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  const raw = await post('/api/v1/datasets', { name: 'ehr-extract', objects: objects('ehr', 4), dataClasses: ['ephi'], owner: 'clinical-data', sourceSystem: 'epic', legalBasis: 'HIPAA TPO', retentionClass: 'clinical-10y' }, 'erin');
  await post(`/api/v1/datasets/${raw.digest}/certify`, { reason: 'DQ passed' }, 'sam');
  const derived = await post(
    '/api/v1/datasets',
    {
      name: 'readmission-train',
      objects: objects('train', 3),
      dataClasses: ['ephi'],
      owner: 'clinical-ai',
      derivedFrom: { inputs: [raw.digest], transform: { repository: 'git@h:etl.git', commit: 'abc1234' }, exclusions: [{ records: 'patients 1001, 1002', reason: 'opted out of research use' }] },
    },
    'erin',
  );
  await post(`/api/v1/datasets/${derived.digest}/certify`, { reason: 'derived from a certified extract' }, 'sam');

  const runs: string[] = [];
  const versions: string[] = [];
  await post('/api/v1/models', { name: 'readmission', owner: 'clinical-ai', useCase: 'triage', riskTier: 'high', description: '30-day readmission risk' }, 'erin');
  for (const n of [1, 2]) {
    const run = await post('/api/v1/runs', { name: `train-${n}`, inputs: [derived.digest], ...fullRun(`readmission-${n}`), code: { repository: 'git@h:readmission.git', commit: commitOf(`readmission-${n}`) }, image: { name: 'registry.h/train:1', digest: digestOf(`image-${n}`) } }, 'erin');
    await post(`/api/v1/runs/${run.run.id}/complete`, { outputs: [{ name: 'model.onnx', digest: digestOf(`model-${n}`) }], metrics: { auc: 0.81 } }, 'erin');
    runs.push(run.run.id);
    const v = await post('/api/v1/models/readmission/versions', { version: `${n}.0.0`, artifacts: [{ name: 'model.onnx', digest: digestOf(`model-${n}`) }], runId: run.run.id, modelCard: `# Readmission risk v${n}\n\nIntended use: discharge planning.\n` }, 'erin');
    for (const [kind, metrics] of [['evaluation', { auc: 0.81 }], ['fairness', { demographic_parity_difference: 0.02, disparate_impact_ratio: 0.95 }], ['red_team', null], ['security_review', null], ['rollback_plan', null], ['monitoring_plan', null]] as const) {
      await post(`/api/v1/model-versions/${v.id}/evidence`, { kind, title: `${kind} report`, mediaType: kind === 'evaluation' ? 'application/json' : 'text/plain', content: b64(kind === 'evaluation' ? JSON.stringify({ auc: 0.81, version: n }) : `${kind} v${n}`), ...(metrics ? { metrics } : {}) }, 'erin');
    }
    await post(`/api/v1/model-versions/${v.id}/validate`, {}, 'erin');
    const d = await post(`/api/v1/model-versions/${v.id}/submit`, { useCases: ['triage'], zones: ['hipaa-ai'] }, 'erin');
    // The author holds a reviewer role, and is refused anyway: separation of duties, recorded.
    const selfApproval = await post(`/api/v1/model-versions/${v.id}/approvals`, { role: 'reviewer:business', evidenceSet: d.evidenceSet, reason: 'my own work' }, 'erin', [403]);
    assert.equal(selfApproval.error.code, 'separation_of_duties');
    assert.equal((await s.cairn.ledger.entry(selfApproval.error.details.ledgerIndex)).entry.kind, 'model_version.approval_refused', 'the refusal says where it was recorded');
    for (const [who, role] of [['bea', 'reviewer:business'], ['mo', 'reviewer:model-risk'], ['cara', 'reviewer:compliance']] as const) {
      await post(`/api/v1/model-versions/${v.id}/approvals`, { role, evidenceSet: d.evidenceSet, reason: `${role} review done` }, who);
    }
    versions.push(v.id);
  }
  const placement = await post('/api/v1/deployments', { versionId: versions[0], zone: 'standard-ai', environment: 'prod', reason: 'try the cheap zone' }, 'olga', [422]);
  assert.equal((await s.cairn.ledger.entry(placement.error.details.ledgerIndex)).entry.kind, 'deployment.refused');
  await post('/api/v1/deployments', { versionId: versions[0], zone: 'hipaa-ai', environment: 'prod', reason: 'first release' }, 'olga');
  await post('/api/v1/deployments', { versionId: versions[1], zone: 'hipaa-ai', environment: 'prod', reason: 'second release' }, 'olga');
  await post('/api/v1/rollbacks', { model: 'readmission', zone: 'hipaa-ai', environment: 'prod', reason: 'calibration drift' }, 'olga');

  // Unrelated work that a model scope must leave out.
  await post('/api/v1/models', { name: 'churn', owner: 'marketing-ai', useCase: 'marketing', riskTier: 'low', description: 'unrelated' }, 'erin', [200, 201, 422]);
  await post('/api/v1/entries', { entries: [{ kind: 'custom.etl.batch', subject: 'batch:7', body: { rows: 10 } }] }, 'erin');
  await s.cairn.ledger.flush();
  return { tokens, raw: raw.digest, derived: derived.digest, runs, versions, start };
}
