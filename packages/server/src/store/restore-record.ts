import { SYSTEM_ACTOR } from '../auth/principal.js';
import type { Ledger } from '../ledger/ledger.js';

/** The `cairn_meta` key under which `cairn restore --force` leaves its reason for the ledger. */
export const PENDING_RESTORE_KEY = 'restore.forced_pending';

/** What a forced restore records: why, and how far behind the published log the snapshot was. */
export interface PendingRestore {
  readonly reason: string;
  readonly backupCreatedAt: string;
  readonly snapshotSize: number;
  readonly publishedSize: number;
  readonly publishedSource: string;
  readonly restoredAt: string;
}

/**
 * On start: a store restored with `--force` carries its reason in `cairn_meta`; append it to the
 * ledger as `store.restored_behind_checkpoint` and remove the marker in the same transaction, so
 * it is recorded exactly once, before anything else is appended by this server.
 */
export async function recordPendingRestore(ledger: Ledger): Promise<number | undefined> {
  const row = await ledger.store.db.selectFrom('cairn_meta').select('value').where('key', '=', PENDING_RESTORE_KEY).executeTakeFirst();
  if (!row) return undefined;
  const record = JSON.parse(row.value) as PendingRestore;
  const result = await ledger.append({
    actor: SYSTEM_ACTOR,
    entries: [{ kind: 'store.restored_behind_checkpoint', subject: 'store', body: { ...record } }],
    apply: async (trx) => {
      await trx.deleteFrom('cairn_meta').where('key', '=', PENDING_RESTORE_KEY).execute();
    },
  });
  return result.entries[0]!.index;
}
