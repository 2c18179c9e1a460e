import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import type { Database } from '../store/schema.js';

/** Node keys: `dataset:sha256:…`, `run:run_…`, `artifact:sha256:…` (later: model versions, deployments). */
export type NodeKind = 'dataset' | 'run' | 'artifact' | 'model-version' | 'deployment';

export const nodeKey = (kind: NodeKind, id: string): string => `${kind}:${id}`;

export async function addNode(trx: Kysely<Database>, key: string, kind: NodeKind, label: string, ledgerIndex: number): Promise<void> {
  await trx.insertInto('lineage_nodes').values({ key, kind, label, ledger_index: ledgerIndex }).onConflict((oc) => oc.column('key').doNothing()).execute();
}

/** `src` feeds `dst`: a dataset derived into another, a dataset read by a run, a run producing an artifact. */
export async function addEdge(trx: Kysely<Database>, src: string, dst: string, relation: string, ledgerIndex: number): Promise<void> {
  await trx
    .insertInto('lineage_edges')
    .values({ src, dst, relation, ledger_index: ledgerIndex })
    .onConflict((oc) => oc.columns(['src', 'dst', 'relation']).doNothing())
    .execute();
}

export interface TraceNode {
  readonly key: string;
  readonly kind: string;
  readonly label: string;
  /** The ledger entry that recorded this node: fetch its inclusion proof to check it. */
  readonly ledgerIndex: number;
  readonly direction: 'root' | 'upstream' | 'downstream';
  readonly depth: number;
  readonly details?: Record<string, unknown>;
}

export interface TraceEdge {
  readonly from: string;
  readonly to: string;
  readonly relation: string;
  readonly ledgerIndex: number;
}

export interface Trace {
  readonly root: string;
  readonly nodes: readonly TraceNode[];
  readonly edges: readonly TraceEdge[];
  /** True when the walk stopped at the depth limit with nodes left to visit. */
  readonly truncated: boolean;
}

const CHUNK = 500;

/** Runs `read` over `keys` in slices of CHUNK (bounded `IN (…)` lists) and concatenates the rows. */
export async function chunked<T>(keys: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) out.push(...(await read(keys.slice(i, i + CHUNK))));
  return out;
}

/**
 * Walks the lineage graph from `root`: upstream to the raw sources (who fed it), downstream to
 * every consumer (what it fed) — the erasure and incident question. One indexed query per level
 * and direction, so cost follows the size of the answer, not of the log.
 */
export async function walk(db: Kysely<Database>, root: string, depth: number): Promise<Trace> {
  const rootNode = await db.selectFrom('lineage_nodes').selectAll().where('key', '=', root).executeTakeFirst();
  if (!rootNode) throw new CairnError('trace_subject_not_found', `nothing is recorded as ${root}`);
  const seen = new Map<string, { direction: TraceNode['direction']; depth: number }>([[root, { direction: 'root', depth: 0 }]]);
  const edges = new Map<string, TraceEdge>();
  let truncated = false;
  for (const direction of ['upstream', 'downstream'] as const) {
    let frontier = [root];
    for (let d = 1; frontier.length > 0; d += 1) {
      const column = direction === 'upstream' ? 'dst' : 'src';
      const rows = await chunked(frontier, (chunk) => db.selectFrom('lineage_edges').selectAll().where(column, 'in', chunk).execute());
      if (d > depth) {
        truncated ||= rows.length > 0;
        break;
      }
      const next: string[] = [];
      for (const r of rows) {
        edges.set(`${r.src}>${r.dst}>${r.relation}`, { from: r.src, to: r.dst, relation: r.relation, ledgerIndex: Number(r.ledger_index) });
        const other = direction === 'upstream' ? r.src : r.dst;
        if (!seen.has(other)) {
          seen.set(other, { direction, depth: d });
          next.push(other);
        }
      }
      frontier = next;
    }
  }
  const keys = [...seen.keys()];
  const rows = await chunked(keys, (chunk) => db.selectFrom('lineage_nodes').selectAll().where('key', 'in', chunk).execute());
  const nodes = rows.map((r) => ({ key: r.key, kind: r.kind, label: r.label, ledgerIndex: Number(r.ledger_index), ...seen.get(r.key)! }));
  nodes.sort((a, b) => a.depth - b.depth || a.key.localeCompare(b.key));
  return { root, nodes, edges: [...edges.values()], truncated };
}
