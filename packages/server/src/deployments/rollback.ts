import type { Kysely } from 'kysely';
import { actorOf, type Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import { rfc3339 } from '../ledger/entry.js';
import { nodeKey } from '../lineage/graph.js';
import type { Decision } from '../policy/index.js';
import type { Database, DeploymentTable } from '../store/schema.js';
import { activeIn, readVersion, requireKnownZone, useCaseOf, type DeploymentContext } from './deployment-context.js';
import { recordRefusal } from './deploy.js';
import { evaluateDeployment } from './deploy-rules.js';
import { NEXT_STATES, newDeploymentId, type Slot } from './records.js';
import { RefusedInTransaction, decisionBody, inSlot, recheck, writeDeployment } from './slot-transaction.js';
import { waivedRules } from './waiver-standing.js';

/**
 * The deployment a row was pushed onto: the one it superseded, or — for a rollback — the one
 * beneath the deployment it restored. Every row's `previous_version_id` is the version of this
 * row, which is what lets repeated rollbacks walk back through history.
 */
async function beneath(db: Kysely<Database>, row: DeploymentTable, depth = 0): Promise<DeploymentTable | undefined> {
  if (row.previous_version_id === null || depth > MAX_HISTORY) return undefined;
  if (row.rollback_of === null) {
    return db
      .selectFrom('deployments')
      .selectAll()
      .where('model', '=', row.model)
      .where('zone', '=', row.zone)
      .where('environment', '=', row.environment)
      .where('ledger_index', '<', row.ledger_index)
      .orderBy('ledger_index', 'desc')
      .executeTakeFirst();
  }
  const rolledBack = await db.selectFrom('deployments').selectAll().where('id', '=', row.rollback_of).executeTakeFirst();
  const restored = rolledBack && (await beneath(db, rolledBack, depth + 1));
  return restored && beneath(db, restored, depth + 1);
}

/** Rollbacks of rollbacks nest this deep at most before the walk gives up (and the target's own target is dropped). */
const MAX_HISTORY = 1000;

export interface RollbackInput {
  readonly model: string;
  readonly zone: string;
  readonly environment: string;
  readonly reason: string;
}

export interface RollbackResult {
  /** The new deployment, of the restored version. */
  readonly id: string;
  /** The deployment rolled back (now `rolled_back`). */
  readonly rolledBack: string;
  readonly decision: Decision;
}

/**
 * Restores, in one call, the version that was active in a slot before the current deployment:
 * a new deployment of it (`rollback_of` = the current one, which becomes `rolled_back`),
 * recorded as `deployment.rolled_back`. The restored version must still pass the deployment
 * rules — an expired approval, a suspended or retired version is refused with the decision,
 * recorded. Nothing to roll back (no active deployment, or one without a predecessor) is a 409.
 *
 * The new deployment's own rollback target is the one the restored deployment had, so repeated
 * rollbacks walk back through history rather than toggling between two versions.
 * Exported on its own so that a benchmark can time it (bench hook).
 *
 * @example
 * const { id, rolledBack } = await rollback(ctx, principal, { model: 'sepsis-early-warning', zone: 'hipaa-ai', environment: 'prod', reason: 'INC-311 false negatives' });
 */
export async function rollback(ctx: DeploymentContext, principal: Principal, input: RollbackInput): Promise<RollbackResult> {
  const actor = actorOf(principal);
  requireKnownZone((await ctx.policies.active()).policy, input.zone);
  const slot: Slot = { model: input.model, zone: input.zone, environment: input.environment };
  const useCase = await useCaseOf(ctx.store.db, input.model);
  if (useCase === undefined) throw new CairnError('model_not_found', `no model ${input.model}`);

  const outcome = await inSlot<{ refused: Decision; versionId: string; rollbackOf: string } | RollbackResult>(ctx, slot, async () => {
    const { policy } = await ctx.policies.active();
    const db = ctx.store.db;
    const active = await activeIn(db, slot);
    if (!active?.previous_version_id) {
      const where = `${input.model} in ${slot.zone}/${slot.environment}`;
      throw new CairnError('nothing_to_roll_back', active ? `the active deployment of ${where} (${active.id}) has no earlier version to return to` : `${where} has no active deployment`, {
        details: active ? { deployment: active.id, state: active.state, allowed: NEXT_STATES[active.state].filter((s) => s !== 'rolled_back' && s !== 'suspended') } : { deployment: null, state: null, allowed: [] },
      });
    }
    const targetId = active.previous_version_id;
    const restored = await beneath(db, active);
    const previousVersionId = restored?.version_id === targetId ? restored.previous_version_id : null;
    const version = await readVersion(db, targetId);
    const d = evaluateDeployment(policy, 'rollback', { version, useCase, zone: slot.zone, at: rfc3339(ctx.now()), waivers: await waivedRules(db, version.id) });
    if (!d.allowed) return { refused: d, versionId: targetId, rollbackOf: active.id };
    const id = newDeploymentId();
    try {
      await ctx.ledger.append({
        actor,
        entries: [
          {
            kind: 'deployment.rolled_back',
            subject: nodeKey('deployment', id),
            body: {
              id,
              model: slot.model,
              versionId: version.id,
              version: version.version,
              zone: slot.zone,
              environment: slot.environment,
              rolledBack: { id: active.id, versionId: active.version_id },
              previousVersionId,
              reason: input.reason,
              decision: decisionBody(d),
            },
          },
        ],
        apply: async (trx, [entry]) => {
          const current = await recheck(trx, ctx.store, { slot, versionId: version.id, activeId: active.id, policy, question: 'rollback' }, entry!.entry.time);
          await writeDeployment(trx, { id, slot, version: current, previousVersionId, ends: { id: active.id, as: 'rolled_back' }, rollbackOf: active.id, actor, reason: input.reason }, { index: entry!.index, time: entry!.entry.time });
        },
      });
    } catch (err) {
      if (err instanceof RefusedInTransaction) return { refused: err.decision, versionId: targetId, rollbackOf: active.id };
      throw err;
    }
    return { id, rolledBack: active.id, decision: d };
  });

  if ('refused' in outcome) {
    const recorded = await recordRefusal(ctx, actor, 'rollback', { ...slot, versionId: outcome.versionId, reason: input.reason, rollbackOf: outcome.rollbackOf }, outcome.refused);
    throw new CairnError('deployment_refused', `rollback of ${slot.model} in ${slot.zone}/${slot.environment} to ${outcome.versionId} refused: ${outcome.refused.reasons.join('; ')}`, { details: { decision: outcome.refused, ...recorded } });
  }
  return outcome;
}
