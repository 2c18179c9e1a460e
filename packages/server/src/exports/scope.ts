import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import { chunked, walk } from '../lineage/graph.js';
import type { Database } from '../store/schema.js';
import type { ExportScope } from './facts.js';

/** How far up a model version's lineage a package follows derivations (as `cairn trace`). */
const LINEAGE_DEPTH = 64;

/**
 * The ledger indices in a scope, below `size` (the package's checkpoint), ascending.
 *
 * - model: the model, the version, its deployments and what ended each (a newer deployment or a
 *   rollback), everything upstream in its lineage (runs, datasets and their ancestors), and the
 *   policy versions in force from the first to the last of those entries;
 * - time: every entry with from ≤ time < to (entry times never decrease with the index);
 * - subject: every entry whose subject is exactly that.
 */
export async function resolveScope(db: Kysely<Database>, scope: ExportScope, size: number): Promise<number[]> {
  switch (scope.kind) {
    case 'subject':
      return bySubjects(db, [scope.subject], size);
    case 'time': {
      const start = await firstAtOrAfter(db, scope.from, size);
      const end = await firstAtOrAfter(db, scope.to, size);
      return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
    }
    case 'model':
      return modelScope(db, scope.model, scope.version, size);
  }
}

async function modelScope(db: Kysely<Database>, model: string, version: string, size: number): Promise<number[]> {
  const v = await db.selectFrom('model_versions').select(['id']).where('model', '=', model).where('version', '=', version).executeTakeFirst();
  if (!v) throw new CairnError('model_version_not_found', `no version ${version} of model ${model}`);
  const graph = await walk(db, `model-version:${v.id}`, LINEAGE_DEPTH);
  const subjects = new Set<string>([`model:${model}`, `model-version:${v.id}`]);
  for (const n of graph.nodes) {
    if (n.direction !== 'downstream' || n.kind === 'deployment') subjects.add(n.key);
  }
  // Deployments of the version, and whatever ended each of them: the rollback away from it, or
  // the deployment that superseded it in its slot (it started when this one ended).
  const deployed = await db.selectFrom('deployments').select(['id', 'model', 'zone', 'environment', 'ended_at']).where('version_id', '=', v.id).execute();
  for (const d of deployed) {
    subjects.add(`deployment:${d.id}`);
    if (d.ended_at === null) continue;
    const successors = await db
      .selectFrom('deployments')
      .select('id')
      .where('model', '=', d.model)
      .where('zone', '=', d.zone)
      .where('environment', '=', d.environment)
      .where('started_at', '=', d.ended_at)
      .execute();
    for (const n of successors) subjects.add(`deployment:${n.id}`);
  }
  const rollbacks = await chunked(deployed.map((d) => d.id), (ids) => db.selectFrom('deployments').select('id').where('rollback_of', 'in', ids).execute());
  for (const r of rollbacks) subjects.add(`deployment:${r.id}`);
  const indices = await bySubjects(db, [...subjects], size);
  if (indices.length === 0) return indices;
  const policies = await policiesInForce(db, indices[0]!, indices[indices.length - 1]!);
  if (policies.length === 0) return indices;
  const merged = new Set([...indices, ...(await bySubjects(db, policies.map((id) => `policy:${id}`), size))]);
  return [...merged].sort((a, b) => a - b);
}

/** The policy versions active at `first`, and those activated after it up to `last`. */
async function policiesInForce(db: Kysely<Database>, first: number, last: number): Promise<string[]> {
  const rows = await db
    .selectFrom('policy_versions')
    .select(['id', 'decision_index', 'proposal_index'])
    .where('status', 'in', ['active', 'superseded'])
    .execute();
  const activations = rows.map((r) => ({ id: r.id, at: Number(r.decision_index ?? r.proposal_index) })).sort((a, b) => a.at - b.at);
  const inForce = activations.filter((a) => a.at <= first).pop();
  return [...(inForce ? [inForce.id] : []), ...activations.filter((a) => a.at > first && a.at <= last).map((a) => a.id)];
}

async function bySubjects(db: Kysely<Database>, subjects: readonly string[], size: number): Promise<number[]> {
  const rows = await chunked(subjects, (chunk) => db.selectFrom('log_entries').select('idx').where('subject', 'in', chunk).where('idx', '<', size).execute());
  return rows.map((r) => Number(r.idx)).sort((a, b) => a - b);
}

/** The first index below `size` whose time is ≥ `time` (or `size`): a binary search on the primary key. */
async function firstAtOrAfter(db: Kysely<Database>, time: string, size: number): Promise<number> {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = await db.selectFrom('log_entries').select('time').where('idx', '=', mid).executeTakeFirstOrThrow();
    if (row.time >= time) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
