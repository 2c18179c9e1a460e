import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { walk, type Trace, type TraceNode } from './graph.js';

/**
 * A trace with each node's current facts, so that one answer is enough for a reviewer: datasets
 * with their state and classes, runs with their state and lineage completeness, model versions
 * with their approvers and evidence, deployments with their zone and state.
 */
export async function trace(db: Kysely<Database>, root: string, depth: number): Promise<Trace> {
  const t = await walk(db, root, depth);
  const ids = (kind: string) => t.nodes.filter((n) => n.kind === kind).map((n) => n.key.slice(kind.length + 1));
  const details = new Map<string, Record<string, unknown>>();
  const datasetIds = ids('dataset');
  for (let i = 0; i < datasetIds.length; i += 500) {
    const rows = await db.selectFrom('dataset_versions').select(['digest', 'name', 'state', 'data_classes', 'owner']).where('digest', 'in', datasetIds.slice(i, i + 500)).execute();
    for (const r of rows) details.set(`dataset:${r.digest}`, { name: r.name, state: r.state, dataClasses: JSON.parse(r.data_classes) as string[], owner: r.owner });
  }
  const runIds = ids('run');
  for (let i = 0; i < runIds.length; i += 500) {
    const rows = await db.selectFrom('training_runs').select(['id', 'state', 'lineage_complete', 'trainer', 'started_at', 'ended_at']).where('id', 'in', runIds.slice(i, i + 500)).execute();
    for (const r of rows) {
      details.set(`run:${r.id}`, { state: r.state, lineageComplete: r.lineage_complete === null ? null : r.lineage_complete === 1, trainer: r.trainer, startedAt: r.started_at, endedAt: r.ended_at });
    }
  }
  const versionIds = ids('model-version');
  for (let i = 0; i < versionIds.length; i += 500) {
    const chunk = versionIds.slice(i, i + 500);
    const [versions, approvals, evidence] = await Promise.all([
      db.selectFrom('model_versions').select(['id', 'model', 'version', 'state', 'author', 'trainer', 'evidence_set', 'approval_expires_at', 'zones']).where('id', 'in', chunk).execute(),
      db.selectFrom('approvals').select(['version_id', 'role', 'approver', 'at', 'valid', 'ledger_index']).where('version_id', 'in', chunk).execute(),
      db.selectFrom('version_evidence').select(['version_id', 'kind', 'digest', 'title', 'ledger_index']).where('version_id', 'in', chunk).execute(),
    ]);
    for (const v of versions) {
      details.set(`model-version:${v.id}`, {
        model: v.model,
        version: v.version,
        state: v.state,
        author: v.author,
        trainer: v.trainer,
        evidenceSet: v.evidence_set,
        approvalExpiresAt: v.approval_expires_at,
        zones: v.zones === null ? null : (JSON.parse(v.zones) as string[]),
        approvals: approvals.filter((a) => a.version_id === v.id).map((a) => ({ role: a.role, approver: a.approver, at: a.at, valid: a.valid === 1, ledgerIndex: Number(a.ledger_index) })),
        evidence: evidence.filter((e) => e.version_id === v.id).map((e) => ({ kind: e.kind, digest: e.digest, title: e.title, ledgerIndex: Number(e.ledger_index) })),
      });
    }
  }
  const deploymentIds = ids('deployment');
  for (let i = 0; i < deploymentIds.length; i += 500) {
    const rows = await db.selectFrom('deployments').select(['id', 'zone', 'environment', 'state', 'deployed_by', 'started_at', 'ended_at', 'rollback_of']).where('id', 'in', deploymentIds.slice(i, i + 500)).execute();
    for (const r of rows) details.set(`deployment:${r.id}`, { zone: r.zone, environment: r.environment, state: r.state, deployedBy: r.deployed_by, startedAt: r.started_at, endedAt: r.ended_at, rollbackOf: r.rollback_of });
  }
  const nodes: TraceNode[] = t.nodes.map((n) => (details.has(n.key) ? { ...n, details: details.get(n.key)! } : n));
  return { ...t, nodes };
}
