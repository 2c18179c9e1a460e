import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { walk, type Trace, type TraceNode } from './graph.js';

/**
 * A trace with each node's current facts, so that one answer is enough for a reviewer:
 * datasets with their state and classes, runs with their state and lineage completeness.
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
  const nodes: TraceNode[] = t.nodes.map((n) => (details.has(n.key) ? { ...n, details: details.get(n.key)! } : n));
  return { ...t, nodes };
}
