import { actorOf, type Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import { rfc3339, type Actor } from '../ledger/entry.js';
import type { RefusalRecord } from '../ledger/refusal-recorder.js';
import { nodeKey } from '../lineage/graph.js';
import type { Decision } from '../policy/index.js';
import { activeIn, readVersion, requireKnownZone, useCaseOf, type DeploymentContext } from './deployment-context.js';
import { evaluateDeployment } from './deploy-rules.js';
import { newDeploymentId, type Slot } from './records.js';
import { RefusedInTransaction, decisionBody, inSlot, recheck, writeDeployment } from './slot-transaction.js';
import { waivedRules } from './waiver-standing.js';

export interface DeployInput {
  readonly versionId: string;
  readonly zone: string;
  readonly environment: string;
  readonly reason: string;
}

/**
 * Deploys an approved (or already deployed) version to a zone and environment, if the deployment
 * rules allow it (deploy-rules.ts). The decision is recorded either way: `deployment.created`,
 * or `deployment.refused` and a 422 `deployment_refused`. The deployment active in that slot
 * before becomes `superseded`, and its version is the new one's rollback target. Returns the new
 * deployment's id and the decision.
 *
 * @example
 * const { id, decision } = await deploy(ctx, principal, { versionId: 'mv_…', zone: 'hipaa-ai', environment: 'prod', reason: 'CAB-1042' });
 */
export async function deploy(ctx: DeploymentContext, principal: Principal, input: DeployInput): Promise<{ id: string; decision: Decision }> {
  const actor = actorOf(principal);
  requireKnownZone((await ctx.policies.active()).policy, input.zone);
  const { model } = await readVersion(ctx.store.db, input.versionId);
  const slot: Slot = { model, zone: input.zone, environment: input.environment };

  const outcome = await inSlot<{ refused: Decision } | { id: string; decision: Decision }>(ctx, slot, async () => {
    const { policy } = await ctx.policies.active();
    const db = ctx.store.db;
    const version = await readVersion(db, input.versionId);
    const active = await activeIn(db, slot);
    if (active?.version_id === version.id && active.state === 'active') {
      throw new CairnError('already_deployed', `${version.model}@${version.version} is already the active deployment in ${slot.zone}/${slot.environment} (${active.id})`, {
        details: { deployment: active.id, state: active.state },
      });
    }
    const d = evaluateDeployment(policy, 'deployment', { version, useCase: await useCaseOf(db, model), zone: slot.zone, at: rfc3339(ctx.now()), waivers: await waivedRules(db, version.id) });
    if (!d.allowed) return { refused: d };
    const id = newDeploymentId();
    const previousVersionId = active?.version_id ?? null;
    try {
      await ctx.ledger.append({
        actor,
        entries: [
          {
            kind: 'deployment.created',
            subject: nodeKey('deployment', id),
            body: { id, model, versionId: version.id, version: version.version, zone: slot.zone, environment: slot.environment, previousVersionId, supersedes: active?.id ?? null, reason: input.reason, decision: decisionBody(d) },
          },
        ],
        apply: async (trx, [entry]) => {
          const expected = { slot, versionId: version.id, activeId: active?.id ?? null, policy, question: 'deployment' as const };
          const current = await recheck(trx, ctx.store, expected, entry!.entry.time);
          await writeDeployment(trx, { id, slot, version: current, previousVersionId, ends: active ? { id: active.id, as: 'superseded' } : null, rollbackOf: null, actor, reason: input.reason }, { index: entry!.index, time: entry!.entry.time });
        },
      });
    } catch (err) {
      if (err instanceof RefusedInTransaction) return { refused: err.decision };
      throw err;
    }
    return { id, decision: d };
  });

  if ('refused' in outcome) {
    const recorded = await recordRefusal(ctx, actor, 'deploy', { ...slot, versionId: input.versionId, reason: input.reason }, outcome.refused);
    throw new CairnError('deployment_refused', `deployment of ${input.versionId} to ${slot.zone}/${slot.environment} refused: ${outcome.refused.reasons.join('; ')}`, { details: { decision: outcome.refused, ...recorded } });
  }
  return outcome;
}

/** A refusal gated a write, so it is written too (or counted, past the refusal limit). */
export async function recordRefusal(
  ctx: DeploymentContext,
  actor: Actor,
  action: 'deploy' | 'rollback',
  what: Slot & { versionId: string; reason: string; rollbackOf?: string },
  d: Decision,
): Promise<RefusalRecord> {
  return ctx.ledger.refusals.record(actor, { kind: 'deployment.refused', subject: nodeKey('model-version', what.versionId), body: { action, ...what, decision: decisionBody(d) } });
}
