import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * What a version's suspension or retirement does to its deployments, in the registry's transaction
 * (registry.ts, `#transition`), so the record never shows a withdrawn version as running:
 *
 * - `suspended`: its active deployments become `suspended`. They keep their slot — the usual answer
 *   to a suspension is a rollback to the version before, which needs the slot's history — but
 *   admission refuses them from this commit on, and "what ran where" shows them suspended.
 * - `retired`: its active and suspended deployments become `retired` and end at the entry's time;
 *   at `at`; the slot is empty, as after `POST /api/v1/deployments/{id}/retire`.
 *
 * A deploy of the same version locks the version's row inside its transaction (slot-transaction.ts
 * `recheck`), as the registry does before calling this: either the deploy commits first and its
 * deployment is withdrawn here, or it reads the new state and is refused. Returns the ids changed,
 * in ledger order.
 *
 * @example
 * await withdrawDeployments(trx, 'mv_…', 'suspended', entry.entry.time) // ['dep_…']
 */
export async function withdrawDeployments(trx: Kysely<Database>, versionId: string, to: 'suspended' | 'retired', at: string): Promise<string[]> {
  const from = to === 'suspended' ? (['active'] as const) : (['active', 'suspended'] as const);
  const rows = await trx.selectFrom('deployments').select('id').where('version_id', '=', versionId).where('state', 'in', [...from]).orderBy('ledger_index').execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  await trx
    .updateTable('deployments')
    .set(to === 'suspended' ? { state: 'suspended' } : { state: 'retired', ended_at: at })
    .where('id', 'in', ids)
    .execute();
  return ids;
}
