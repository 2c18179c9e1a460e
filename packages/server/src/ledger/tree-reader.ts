import { nodeHash } from '@cairn/verify';
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import type { Database } from '../store/schema.js';
import { nodeLocation, type NodeId, type RangeHash } from './tree-math.js';

export const nodeKey = (n: NodeId): string => `${n.level}/${n.index}`;
const key = nodeKey;

function dialectOf(db: Kysely<Database>): 'postgres' | 'sqlite' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Reads stored perfect-subtree hashes. All the nodes one proof needs come from a single
 * `WHERE idx IN (…)` query: O(log n) rows by primary key, whatever the tree size.
 */
export async function readNodes(db: Kysely<Database>, nodes: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (nodes.length === 0) return out;
  const rows = [...new Set(nodes.map((n) => nodeLocation(n).row))];
  const found = new Map<number, Uint8Array>();
  // `= any($1)` keeps one query text for PostgreSQL whatever the number of rows; SQLite caches by text too.
  const result = await db
    .selectFrom('log_entries')
    .select(['idx', 'hashes'])
    .where(dialectOf(db) === 'postgres' ? sql<boolean>`idx = any(${rows})` : sql<boolean>`idx in (${sql.join(rows)})`)
    .execute();
  for (const r of result) found.set(Number(r.idx), r.hashes);
  for (const n of nodes) {
    const { row, offset } = nodeLocation(n);
    const hashes = found.get(row);
    if (!hashes || hashes.length < offset + 32) {
      throw new CairnError('store_inconsistent', `node ${key(n)} is missing from row ${row}`);
    }
    out.set(key(n), hashes.subarray(offset, offset + 32));
  }
  return out;
}

/** MTH of a range from the hashes of the perfect subtrees that cover it (RFC 9162 §2.1.1). */
export function foldRange(range: RangeHash, hashes: Map<string, Uint8Array>): Uint8Array {
  const last = range[range.length - 1];
  if (!last) throw new CairnError('internal', 'empty range in a proof plan');
  let h = hashes.get(key(last))!;
  for (let i = range.length - 2; i >= 0; i -= 1) h = nodeHash(hashes.get(key(range[i]!))!, h);
  return h;
}

/** Resolves a proof plan (a list of ranges) into hashes with one read. */
export async function resolvePlan(db: Kysely<Database>, plan: readonly RangeHash[]): Promise<Uint8Array[]> {
  const hashes = await readNodes(db, plan.flat());
  return plan.map((range) => foldRange(range, hashes));
}
