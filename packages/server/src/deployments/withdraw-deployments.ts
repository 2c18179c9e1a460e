import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { DeploymentState } from './records.js';

/**
 * What a version's suspension or retirement does to its deployments, in the registry's transaction
 * (registry.ts, `#transition`), so the record never shows a withdrawn version as running:
 *
 * - `suspended`: its active deployments become `suspended`. They keep their slot — the usual answer
 *   to a suspension is a rollback to the version before, which needs the slot's history — but
 *   admission refuses them from this commit on, and "what ran where" shows them suspended.
 * - `retired`: its active and suspended deployments become `retired` and end at `at` (the entry's
 *   time); the slot is empty, as after `POST /api/v1/deployments/{id}/retire`.
 *
 * Deploys and rollbacks are ledger appends too, and every append transaction holds the log head
 * lock (ledger/appender.ts): a deploy of the same version either committed before — and its
 * deployment is withdrawn here — or re-reads the version inside its own transaction
 * (slot-transaction.ts `recheck`) and is refused.
 *
 * @example
 * await withdrawDeployments(trx, 'mv_…', 'suspended', entry.entry.time)
 */
export async function withdrawDeployments(trx: Kysely<Database>, versionId: string, to: 'suspended' | 'retired', at: string): Promise<void> {
  const from: DeploymentState[] = to === 'suspended' ? ['active'] : ['active', 'suspended'];
  await trx
    .updateTable('deployments')
    .set(to === 'suspended' ? { state: 'suspended' } : { state: 'retired', ended_at: at })
    .where('version_id', '=', versionId)
    .where('state', 'in', from)
    .execute();
}
