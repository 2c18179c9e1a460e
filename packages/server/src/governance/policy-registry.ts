import crypto from 'node:crypto';
import { CairnError } from '../errors/catalog.js';
import { rfc3339, type Actor, type JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { SYSTEM_ACTOR } from '../auth/principal.js';
import { normalisePrincipalId, personOf } from '../auth/person.js';
import { PolicyError, diffPolicies, evaluateSeparation, loadPolicy, type Decision, type LoadedPolicy, type PolicyChange } from '../policy/index.js';
import { refuse } from './refusals.js';
import type { PolicyVersionTable } from '../store/schema.js';
import type { Store } from '../store/store.js';

export interface PolicyVersion {
  readonly id: string;
  readonly hash: string;
  readonly status: PolicyVersionTable['status'];
  readonly baseHash: string | null;
  readonly diff: readonly PolicyChange[];
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly proposalIndex: number;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  readonly decisionIndex: number | null;
}

export interface ActivePolicy {
  readonly version: PolicyVersion;
  readonly policy: LoadedPolicy;
}

function toVersion(row: PolicyVersionTable): PolicyVersion {
  return {
    id: row.id,
    hash: row.hash,
    status: row.status,
    baseHash: row.base_hash,
    diff: JSON.parse(row.diff) as PolicyChange[],
    reason: row.reason,
    proposedBy: row.proposed_by,
    proposedAt: row.proposed_at,
    proposalIndex: Number(row.proposal_index),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    decisionIndex: row.decision_index === null ? null : Number(row.decision_index),
  };
}

/** Parses a pack at the edge; an invalid one becomes a 422 listing every issue with its position. */
export function parsePolicy(source: string, file = 'policy.yaml'): LoadedPolicy {
  try {
    return loadPolicy(source, file);
  } catch (err) {
    if (err instanceof PolicyError) {
      throw new CairnError('policy_invalid', err.message, { details: { issues: err.issues }, cause: err });
    }
    throw err;
  }
}


/**
 * The governed life of policy packs. A pack becomes active only by approval of a
 * `reviewer:compliance` principal who did not propose it; every step is a ledger entry written
 * in the same transaction as the row it changes, and the state checks run inside that
 * transaction, so two concurrent approvals cannot both win.
 */
export class PolicyRegistry {
  readonly #store: Store;
  readonly #ledger: Ledger;
  #cache: ActivePolicy | undefined;

  constructor(store: Store, ledger: Ledger) {
    this.#store = store;
    this.#ledger = ledger;
  }

  /** The active pack. Cached by hash; another process's activation is seen on the next call. */
  async active(): Promise<ActivePolicy> {
    const row = await this.#store.db.selectFrom('policy_versions').selectAll().where('status', '=', 'active').executeTakeFirst();
    if (!row) throw new CairnError('policy_not_active', 'no policy pack is active');
    if (this.#cache?.version.id !== row.id) this.#cache = { version: toVersion(row), policy: loadPolicy(row.source, `policy ${row.id}`) };
    return this.#cache;
  }

  async activeOrUndefined(): Promise<ActivePolicy | undefined> {
    return this.active().catch((err: unknown) => {
      if (err instanceof CairnError && err.code === 'policy_not_active') return undefined;
      throw err;
    });
  }

  /** On a store with no active pack, activates `source` as the system (recorded as a bootstrap). */
  async bootstrap(source: string, file: string): Promise<PolicyVersion | undefined> {
    if (await this.activeOrUndefined()) return undefined;
    const policy = parsePolicy(source, file);
    const id = newId();
    const now = rfc3339(Date.now());
    const diff = diffPolicies(undefined, policy);
    const raced = (err: unknown) => err instanceof CairnError && err.code === 'invalid_state';
    await this.#ledger.append({
      actor: SYSTEM_ACTOR,
      entries: [{ kind: 'policy.activated', subject: `policy:${id}`, body: { id, hash: policy.hash, previousHash: null, bootstrap: true, file } }],
      apply: async (trx, [entry]) => {
        const existing = await trx.selectFrom('policy_versions').select('id').where('status', '=', 'active').executeTakeFirst();
        if (existing) throw new CairnError('invalid_state', 'a policy became active meanwhile');
        await trx
          .insertInto('policy_versions')
          .values({
            ...proposalRow({ id, policy, diff, baseHash: null, reason: 'bootstrap', by: SYSTEM_ACTOR.id, at: now, index: entry!.index }),
            status: 'active',
            decided_by: SYSTEM_ACTOR.id,
            decided_at: now,
            decision_reason: `bootstrap from ${file}`,
            decision_index: entry!.index,
          })
          .execute();
      },
    }).catch((err: unknown) => {
      if (!raced(err)) throw err; // another replica bootstrapped first: its pack is active, we are done
    });
    return (await this.activeOrUndefined())?.version;
  }

  async propose(actor: Actor, source: string, reason: string, file = 'policy.yaml'): Promise<PolicyVersion> {
    const policy = parsePolicy(source, file);
    const current = await this.activeOrUndefined();
    const diff = diffPolicies(current?.policy, policy);
    const id = newId();
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: 'policy.proposed',
          subject: `policy:${id}`,
          body: { id, hash: policy.hash, baseHash: current?.policy.hash ?? null, reason, diff: diff as unknown as JsonObject[] } as JsonObject,
        },
      ],
      apply: async (trx, [entry]) => {
        await trx
          .insertInto('policy_versions')
          .values(proposalRow({ id, policy, diff, baseHash: current?.policy.hash ?? null, reason, by: personOf(actor), at: entry!.entry.time, index: entry!.index }))
          .execute();
      },
    });
    return this.get(id);
  }

  async approve(actor: Actor, id: string, reason: string): Promise<{ version: PolicyVersion; decision: Decision }> {
    return this.#decide(actor, id, reason, 'approve');
  }

  async reject(actor: Actor, id: string, reason: string): Promise<{ version: PolicyVersion; decision: Decision }> {
    return this.#decide(actor, id, reason, 'reject');
  }

  async #decide(actor: Actor, id: string, reason: string, action: 'approve' | 'reject'): Promise<{ version: PolicyVersion; decision: Decision }> {
    const proposal = await this.get(id);
    const activeHash = (await this.activeOrUndefined())?.policy.hash ?? 'none';
    // Between persons: one person's several principals are one proposer.
    const decision = evaluateSeparation(`policy.${action}`, 'approve it; another reviewer:compliance must', personOf(actor), [{ part: 'proposer', persons: [normalisePrincipalId(proposal.proposedBy)], did: 'proposed this policy' }], activeHash);
    if (action === 'approve' && !decision.allowed) await refuse(this.#ledger, actor, { kind: 'policy.approval_refused', subject: `policy:${id}`, body: { id } }, decision);
    const now = rfc3339(Date.now());
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: action === 'approve' ? 'policy.activated' : 'policy.rejected',
          subject: `policy:${id}`,
          body: { id, hash: proposal.hash, previousHash: action === 'approve' ? activeHash : null, reason, decision: decision as unknown as JsonObject },
        },
      ],
      apply: async (trx, [entry]) => {
        const row = await trx.selectFrom('policy_versions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        if (row.status !== 'proposed') {
          throw new CairnError('invalid_state', `policy ${id} is ${row.status}, not proposed`, { details: { state: row.status, allowed: [] } });
        }
        const active = await trx.selectFrom('policy_versions').select(['id', 'hash']).where('status', '=', 'active').executeTakeFirst();
        if (action === 'approve') {
          if ((active?.hash ?? null) !== row.base_hash) {
            throw new CairnError('policy_conflict', `policy ${id} was proposed against ${row.base_hash ?? 'no policy'}, but ${active?.hash ?? 'none'} is active now; propose it again`);
          }
          if (active) await trx.updateTable('policy_versions').set({ status: 'superseded' }).where('id', '=', active.id).execute();
        }
        await trx
          .updateTable('policy_versions')
          .set({ status: action === 'approve' ? 'active' : 'rejected', decided_by: personOf(actor), decided_at: now, decision_reason: reason, decision_index: entry!.index })
          .where('id', '=', id)
          .execute();
      },
    });
    return { version: await this.get(id), decision };
  }

  async get(id: string): Promise<PolicyVersion> {
    const row = await this.#store.db.selectFrom('policy_versions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CairnError('proposal_not_found', `no policy version has id ${id}`);
    return toVersion(row);
  }

  async source(id: string): Promise<string> {
    const row = await this.#store.db.selectFrom('policy_versions').select('source').where('id', '=', id).executeTakeFirst();
    if (!row) throw new CairnError('proposal_not_found', `no policy version has id ${id}`);
    return row.source;
  }

  async list(status?: PolicyVersionTable['status']): Promise<PolicyVersion[]> {
    let q = this.#store.db.selectFrom('policy_versions').selectAll().orderBy('proposed_at', 'desc');
    if (status) q = q.where('status', '=', status);
    return (await q.execute()).map(toVersion);
  }
}

/** The row of a proposed pack; activation fills in the decision columns. */
function proposalRow(p: { id: string; policy: LoadedPolicy; diff: readonly PolicyChange[]; baseHash: string | null; reason: string; by: string; at: string; index: number }): PolicyVersionTable {
  return {
    id: p.id,
    hash: p.policy.hash,
    source: p.policy.source,
    status: 'proposed',
    base_hash: p.baseHash,
    diff: JSON.stringify(p.diff),
    reason: p.reason,
    proposed_by: p.by,
    proposed_at: p.at,
    proposal_index: p.index,
    decided_by: null,
    decided_at: null,
    decision_reason: null,
    decision_index: null,
  };
}

function newId(): string {
  return `pol_${crypto.randomBytes(9).toString('base64url')}`;
}
