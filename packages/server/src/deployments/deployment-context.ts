import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LoadedPolicy } from '../policy/index.js';
import type { Database, DeploymentTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { SLOT_HOLDING_STATES, versionFacts, type Slot, type VersionFacts } from './records.js';
import type { SlotLocks } from './slot-locks.js';

/** What deploy, rollback and retire work with: the store, the ledger, the policy, the slot queue. */
export interface DeploymentContext {
  readonly store: Store;
  readonly ledger: Ledger;
  readonly policies: PolicyRegistry;
  readonly locks: SlotLocks;
  /** The clock the rules read (approval and waiver expiry); the ledger's, so entry times agree. */
  readonly now: () => number;
}

/** A zone is a name the active pack declares; anything else is the caller's mistake, not a decision. */
export function requireKnownZone(policy: LoadedPolicy, zone: string): void {
  if (!Object.hasOwn(policy.pack.zones, zone)) {
    const known = Object.keys(policy.pack.zones);
    throw new CairnError('unknown_zone', `zone ${zone} is not declared in the active policy pack (declared zones: ${known.join(', ')})`, { details: { zone, known } });
  }
}

export async function readVersion(db: Kysely<Database>, id: string): Promise<VersionFacts> {
  const row = await db.selectFrom('model_versions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new CairnError('model_version_not_found', `no model version ${id}`);
  return versionFacts(row);
}

export async function useCaseOf(db: Kysely<Database>, model: string): Promise<string | undefined> {
  return (await db.selectFrom('models').select('use_case').where('name', '=', model).executeTakeFirst())?.use_case;
}

/** The deployment that holds a slot, if any: the active one, or one whose version was suspended since. */
export async function activeIn(db: Kysely<Database>, slot: Slot): Promise<DeploymentTable | undefined> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('model', '=', slot.model)
    .where('zone', '=', slot.zone)
    .where('environment', '=', slot.environment)
    .where('state', 'in', SLOT_HOLDING_STATES)
    .orderBy('ledger_index', 'desc')
    .executeTakeFirst();
}
