import type { Kysely } from 'kysely';
import type { Actor, JsonObject } from '../ledger/entry.js';
import { CairnError } from '../errors/catalog.js';
import { addEdge, addNode, nodeKey } from '../lineage/graph.js';
import type { Decision, LoadedPolicy } from '../policy/index.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { activeIn, type DeploymentContext } from './deployment-context.js';
import { evaluateDeployment } from './deploy-rules.js';
import { SLOT_HOLDING_STATES, slotKey, versionFacts, type Slot, type VersionFacts } from './records.js';
import { waivedRules } from './waiver-standing.js';

/** The slot changed between the read and the transaction (another process deployed): read again. */
export class StaleSlot extends Error {
  override readonly name = 'StaleSlot';
}

/** The decision no longer allows it inside the transaction (the version was suspended meanwhile). */
export class RefusedInTransaction extends Error {
  override readonly name = 'RefusedInTransaction';
  readonly decision: Decision;
  constructor(decision: Decision) {
    super(decision.reasons.join('; '));
    this.decision = decision;
  }
}

const MAX_ATTEMPTS = 8;

/**
 * Runs `attempt` for one slot: queued behind the slot's other deploys and rollbacks in this
 * process, and tried again if another process changed the slot between our read and our write.
 */
export async function inSlot<T>(ctx: DeploymentContext, slot: Slot, attempt: () => Promise<T>): Promise<T> {
  return ctx.locks.run(slotKey(slot), async () => {
    for (let n = 1; ; n += 1) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof StaleSlot)) throw err;
        if (n >= MAX_ATTEMPTS) throw new CairnError('unavailable', `deployments of ${slot.model} in ${slot.zone}/${slot.environment} kept changing under concurrent writers; nothing was written, try again`, { cause: err });
      }
    }
  });
}

export interface Expected {
  readonly slot: Slot;
  readonly versionId: string;
  /** The active deployment our entry names (the one it supersedes or rolls back), or null. */
  readonly activeId: string | null;
  readonly policy: LoadedPolicy;
  readonly question: 'deployment' | 'rollback';
}

/**
 * Inside the transaction, before writing: lock the model's row (PostgreSQL; SQLite's writer is
 * already alone), then check that nothing our entry states has changed — the active policy, the
 * active deployment of the slot — and decide again on the version's current row at the entry's
 * time. Two writers of one slot therefore cannot both supersede the same deployment, and a
 * suspension (which withdraws the version's deployments, withdraw-deployments.ts) either comes
 * after this deployment and withdraws it, or before it and makes this call refuse.
 */
export async function recheck(trx: Kysely<Database>, store: Store, expected: Expected, at: string): Promise<VersionFacts> {
  const model = store.forUpdate(trx.selectFrom('models').select(['name', 'use_case']).where('name', '=', expected.slot.model));
  const modelRow = await model.executeTakeFirst();
  const policy = await trx.selectFrom('policy_versions').select('hash').where('status', '=', 'active').executeTakeFirst();
  if (policy?.hash !== expected.policy.hash) throw new StaleSlot('the active policy changed');
  const active = await activeIn(trx, expected.slot);
  if ((active?.id ?? null) !== expected.activeId) throw new StaleSlot(`the active deployment is now ${active?.id ?? 'none'}`);
  const version = versionFacts(await trx.selectFrom('model_versions').selectAll().where('id', '=', expected.versionId).executeTakeFirstOrThrow());
  const d = evaluateDeployment(expected.policy, expected.question, { version, useCase: modelRow?.use_case, zone: expected.slot.zone, at, waivers: await waivedRules(trx, version.id) });
  if (!d.allowed) throw new RefusedInTransaction(d);
  return version;
}

export interface NewDeployment {
  readonly id: string;
  readonly slot: Slot;
  readonly version: VersionFacts;
  readonly previousVersionId: string | null;
  /** The active deployment this one ends, and how. */
  readonly ends: { readonly id: string; readonly as: 'superseded' | 'rolled_back' } | null;
  readonly rollbackOf: string | null;
  readonly actor: Actor;
  readonly reason: string;
}

/** Writes a deployment's rows: ends the active one, inserts the new one, marks the version deployed, extends lineage. */
export async function writeDeployment(trx: Kysely<Database>, d: NewDeployment, entry: { index: number; time: string }): Promise<void> {
  if (d.ends) {
    await trx.updateTable('deployments').set({ state: d.ends.as, ended_at: entry.time }).where('id', '=', d.ends.id).where('state', 'in', SLOT_HOLDING_STATES).execute();
  }
  await trx
    .insertInto('deployments')
    .values({
      id: d.id,
      model: d.slot.model,
      version_id: d.version.id,
      zone: d.slot.zone,
      environment: d.slot.environment,
      previous_version_id: d.previousVersionId,
      state: 'active',
      deployed_by: d.actor.id,
      reason: d.reason,
      started_at: entry.time,
      ended_at: null,
      rollback_of: d.rollbackOf,
      ledger_index: entry.index,
    })
    .execute();
  if (d.version.state === 'approved') {
    await trx.updateTable('model_versions').set({ state: 'deployed', state_index: entry.index }).where('id', '=', d.version.id).where('state', '=', 'approved').execute();
  }
  const key = nodeKey('deployment', d.id);
  await addNode(trx, key, 'deployment', `${d.version.model}@${d.version.version} in ${d.slot.zone}/${d.slot.environment}`, entry.index);
  await addEdge(trx, nodeKey('model-version', d.version.id), key, 'deployed_as', entry.index);
}

/** How the ledger names a decision in an entry body. */
export const decisionBody = (d: Decision): JsonObject => d as unknown as JsonObject;
