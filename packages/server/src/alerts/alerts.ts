import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { rfc3339 } from '../ledger/entry.js';
import type { AlertTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';

export interface Alert {
  readonly id: string;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'high' | 'critical';
  readonly message: string;
  readonly principal: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** True while the condition it reports lasts (an elevation not yet expired). */
  readonly active: boolean;
  readonly ledgerIndex: number | null;
}

export interface NewAlert {
  readonly kind: string;
  readonly severity: Alert['severity'];
  readonly message: string;
  readonly principal?: string | undefined;
  readonly expiresAt?: string | undefined;
  readonly ledgerIndex?: number | undefined;
}

function toAlert(row: AlertTable, now: number): Alert {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity as Alert['severity'],
    message: row.message,
    principal: row.principal,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    active: row.expires_at === null || Date.parse(row.expires_at) > now,
    ledgerIndex: row.ledger_index === null ? null : Number(row.ledger_index),
  };
}

/** Security alerts (break-glass and the like): raised in the transaction of what caused them. */
export class Alerts {
  readonly #store: Store;
  raised = 0;

  constructor(store: Store) {
    this.#store = store;
  }

  async raise(trx: Kysely<Database>, alert: NewAlert): Promise<string> {
    const id = `alr_${crypto.randomBytes(9).toString('base64url')}`;
    await trx
      .insertInto('alerts')
      .values({
        id,
        kind: alert.kind,
        severity: alert.severity,
        message: alert.message,
        principal: alert.principal ?? null,
        created_at: rfc3339(Date.now()),
        expires_at: alert.expiresAt ?? null,
        ledger_index: alert.ledgerIndex ?? null,
      })
      .execute();
    this.raised += 1;
    return id;
  }

  async list(options: { activeOnly?: boolean; limit?: number } = {}): Promise<Alert[]> {
    const now = Date.now();
    let q = this.#store.db.selectFrom('alerts').selectAll().orderBy('created_at', 'desc').limit(options.limit ?? 100);
    if (options.activeOnly) q = q.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', rfc3339(now))]));
    return (await q.execute()).map((r) => toAlert(r, now));
  }

  async countActive(kind: string): Promise<number> {
    const row = await this.#store.db
      .selectFrom('alerts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind)
      .where('expires_at', '>', rfc3339(Date.now()))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
