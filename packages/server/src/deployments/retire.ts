import { actorOf, type Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import { nodeKey } from '../lineage/graph.js';
import type { DeploymentContext } from './deployment-context.js';
import { NEXT_STATES, selectDeployments, toDeployment, type Deployment } from './records.js';
import { inSlot } from './slot-transaction.js';

/**
 * Takes an active (or suspended) deployment out of service (`retired`) without putting another in its place:
 * the slot is then empty, and admission refuses the version there. Recorded as `deployment.retired`.
 *
 * @example
 * await retire(ctx, principal, 'dep_…', 'service decommissioned, CHG-88');
 */
export async function retire(ctx: DeploymentContext, principal: Principal, id: string, reason: string): Promise<void> {
  const found = await findDeployment(ctx, id);
  requireRetirable(found);
  await inSlot(ctx, found, async () => {
    await ctx.ledger.append({
      actor: actorOf(principal),
      entries: [{ kind: 'deployment.retired', subject: nodeKey('deployment', id), body: { id, model: found.model, versionId: found.versionId, zone: found.zone, environment: found.environment, reason } }],
      apply: async (trx, [entry]) => {
        const q = ctx.store.forUpdate(trx.selectFrom('deployments').selectAll().where('id', '=', id));
        const row = await q.executeTakeFirstOrThrow();
        requireRetirable({ id, state: row.state });
        await trx.updateTable('deployments').set({ state: 'retired', ended_at: entry!.entry.time }).where('id', '=', id).execute();
      },
    });
  });
}

export async function findDeployment(ctx: DeploymentContext, id: string): Promise<Deployment> {
  const row = await selectDeployments(ctx.store.db).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw new CairnError('deployment_not_found', `no deployment ${id}`);
  return toDeployment(row);
}

function requireRetirable(d: Pick<Deployment, 'id' | 'state'>): void {
  if (!NEXT_STATES[d.state].includes('retired')) {
    throw new CairnError('invalid_state', `deployment ${d.id} is ${d.state}; only an active or suspended deployment can be retired`, { details: { state: d.state, allowed: NEXT_STATES[d.state] } });
  }
}
