import { CairnError } from '../errors/catalog.js';
import { refuse } from '../governance/refusals.js';
import type { JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { allow, decision, deny, evaluateSeparation, type RuleResult } from '../policy/index.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import type { Kysely } from 'kysely';
import type { Database, PrincipalTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { isRole, PERMISSIONS, rolesGrant, type Role } from './permissions.js';
import { normalisePrincipalId, personOf } from './person.js';
import { actorOf, SYSTEM_ACTOR, type Principal } from './principal.js';
import { DEFAULT_TOKEN_RULES, insertToken, issuedBody, newTokenId, tokenExpiry } from './token-rows.js';

export interface PrincipalRecord {
  readonly id: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  /** The person a service account acts for; null for users. */
  readonly owner: string | null;
  readonly displayName: string | null;
  readonly state: PrincipalTable['state'];
  readonly vouchedBy: PrincipalTable['vouched_by'];
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly reason: string;
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  /** A proposed principal brought its own credential (its hash is never shown). */
  readonly hasCredential: boolean;
  readonly ledgerIndex: number;
}

export interface PrincipalProposal {
  readonly id: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly owner?: string | undefined;
  readonly displayName?: string | undefined;
  /** SHA-256 (hex) of a token the person made for themselves (`cairn token new`): it becomes their first credential on approval. */
  readonly credentialSha256?: string | undefined;
  readonly reason: string;
}

/** What authentication needs to know about a principal. */
export interface ResolvedPrincipal {
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly person: string;
  readonly active: boolean;
}

/** The installation ceremony may found at most this many persons; after that, persons come from two-person approval or the IdP. */
export const MAX_FOUNDERS = 2;
const CACHE_MS = 2_000;

const toRecord = (r: PrincipalTable): PrincipalRecord => ({
  id: r.id,
  type: r.type === 'service' ? 'service' : 'user',
  roles: (JSON.parse(r.roles) as string[]).filter(isRole),
  owner: r.owner,
  displayName: r.display_name,
  state: r.state,
  vouchedBy: r.vouched_by,
  proposedBy: r.proposed_by,
  proposedAt: r.proposed_at,
  reason: r.proposal_reason,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  hasCredential: r.credential_hash !== null,
  ledgerIndex: Number(r.ledger_index),
});

const subjectOf = (id: string) => `principal:${id}`;

/**
 * Identity custody. Separation of duties is about persons, so Cairn must know when two principals
 * are two people. It knows it in three ways only:
 *
 * - **founders**: at most two principals created by the installation ceremony (the first start,
 *   `cairn token bootstrap` on the server's machine) — the one point where the installer is trusted,
 *   as they are with the log's signing key;
 * - **two persons**: every other local principal is proposed by one person holding
 *   `principals:manage` and becomes active only when a *different* person approves it; the new
 *   person brings their own credential (only its SHA-256 is handed over), so neither of the two
 *   ever holds it;
 * - **the identity provider**: an OIDC principal is the person the IdP says it is.
 *
 * A service account is not a person: it acts for its owner, and separation of duties counts it as
 * the owner. Ids are normalised (NFC, case-folded) wherever they are stored or compared. Identity
 * changes are refused under a break-glass elevation.
 */
export class Principals {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #cache = new Map<string, { resolved: ResolvedPrincipal | undefined; until: number }>();

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
  }

  /** A founder, by the installation ceremony (system actor). Idempotent for an existing founder. */
  async found(rawId: string, roles: readonly Role[], reason: string): Promise<PrincipalRecord> {
    const id = normalisePrincipalId(rawId);
    const existing = await this.find(id);
    if (existing) {
      if (existing.vouchedBy !== 'founder') throw new CairnError('principal_exists', `${id} exists and is not a founder; only founders are recovered by the ceremony`);
      return existing;
    }
    await this.#ledger.append({
      actor: SYSTEM_ACTOR,
      entries: [{ kind: 'principal.founded', subject: subjectOf(id), body: { id, type: 'user', roles: [...roles], reason } }],
      apply: async (trx, [e]) => {
        const founders = await trx.selectFrom('principals').select('id').where('vouched_by', '=', 'founder').execute();
        if (founders.length >= MAX_FOUNDERS) {
          throw new CairnError('invalid_state', `this store has its ${MAX_FOUNDERS} founders (${founders.map((f) => f.id).join(', ')}); new people are proposed by one person and approved by another (cairn principal propose/approve), or come from the identity provider`, { details: { state: 'founded', allowed: [] } });
        }
        await trx
          .insertInto('principals')
          .values({ id, type: 'user', roles: JSON.stringify(roles), owner: null, display_name: null, state: 'active', vouched_by: 'founder', credential_hash: null, proposed_by: SYSTEM_ACTOR.id, proposed_at: e!.entry.time, proposal_reason: reason, approved_by: SYSTEM_ACTOR.id, approved_at: e!.entry.time, ledger_index: e!.index, state_index: e!.index })
          .execute();
      },
    });
    this.#cache.delete(id);
    return this.get(id);
  }

  async propose(by: Principal, p: PrincipalProposal): Promise<PrincipalRecord> {
    const id = normalisePrincipalId(p.id);
    await this.#refuseUnderElevation(by, id, 'propose a principal');
    if (id === SYSTEM_ACTOR.id) throw new CairnError('invalid_request', `${id} is the name Cairn writes its own entries under (the installation ceremony, expiry); a principal cannot take it`, { details: { reserved: SYSTEM_ACTOR.id } });
    const owner = p.type === 'service' ? normalisePrincipalId(p.owner ?? by.id) : null;
    if (p.type === 'user' && p.owner !== undefined) throw new CairnError('invalid_request', 'only a service account has an owner');
    if (owner !== null) {
      // Refused like every delegation rule: recorded (principal.refused), answered as a request error.
      const o = await this.find(owner);
      const mine = owner === personOf(by);
      const rules = [
        mine || (o?.state === 'active' && o.type === 'user')
          ? allow('delegation.owner_active_person', `${owner} is ${mine ? 'the proposer' : 'an active user principal'}`)
          : deny('delegation.owner_active_person', `the owner of a service account must be an active user principal (or yourself); ${owner} is not`),
        // Whoever holds a service account's credential acts as its owner: only the owner makes it.
        p.credentialSha256 === undefined || mine
          ? allow('delegation.owner_makes_credential', p.credentialSha256 === undefined ? 'the proposal brings no credential' : `${owner}, the owner, brings its credential`)
          : deny('delegation.owner_makes_credential', `a service account's credential is its owner's to make: ${owner} issues its tokens once it is approved (cairn token create --principal ${id})`),
      ];
      // The credential a service account brings is the first token its owner issues it: like every
      // other (POST /api/v1/tokens), within the owner's own permissions.
      if (p.credentialSha256 !== undefined && mine) {
        const wider = PERMISSIONS.filter((x) => x !== 'public' && rolesGrant(p.roles, x) && !(rolesGrant(by.roles, x) && (by.scopes === undefined || by.scopes.includes(x))));
        rules.push(
          wider.length === 0
            ? allow('delegation.within_own_permissions', 'the credential grants nothing its owner lacks')
            : deny('delegation.within_own_permissions', `the credential would grant ${wider.join(', ')}, which the proposing token does not have: propose ${id} without a credential, and issue its tokens once it is approved, within your permissions`),
        );
      }
      const d = decision('principal.propose', rules, [], (await this.#policies.active()).policy.hash);
      const code = rules.some((r) => r.effect === 'deny' && r.rule !== 'delegation.within_own_permissions') ? 'invalid_request' : 'delegation_refused';
      if (!d.allowed) await refuse(this.#ledger, actorOf(by), { kind: 'principal.refused', subject: subjectOf(id), body: { id, action: 'propose a principal', owner } }, d, code, undefined, { owner });
    }
    const credentialHash = p.credentialSha256 === undefined ? null : Buffer.from(p.credentialSha256, 'hex');
    if (credentialHash !== null && (await this.#credentialInUse(this.#store.db, credentialHash, id))) {
      throw new CairnError('invalid_request', 'this credential is already in use (a token, or another proposal): the person makes a new one (cairn token new)');
    }
    const roles = [...new Set(p.roles)];
    const existing = await this.find(id);
    if (existing && existing.state !== 'rejected') throw new CairnError('principal_exists', `${id} is already ${existing.state === 'proposed' ? 'proposed' : 'a principal'}`, { details: { principal: existing } });
    await this.#ledger.append({
      actor: actorOf(by),
      entries: [
        {
          kind: 'principal.proposed',
          subject: subjectOf(id),
          // Whether the person brought a credential, never its hash (as for every token).
          body: { id, type: p.type, roles, owner, displayName: p.displayName ?? null, withCredential: p.credentialSha256 !== undefined, reason: p.reason },
        },
      ],
      apply: async (trx, [e]) => {
        const row = await this.#store.forUpdate(trx.selectFrom('principals').select(['state']).where('id', '=', id)).executeTakeFirst();
        if (row && row.state !== 'rejected') throw new CairnError('principal_exists', `${id} was proposed meanwhile`);
        if (row) await trx.deleteFrom('principals').where('id', '=', id).execute();
        await trx
          .insertInto('principals')
          .values({ id, type: p.type, roles: JSON.stringify(roles), owner, display_name: p.displayName ?? null, state: 'proposed', vouched_by: 'two-person', credential_hash: credentialHash, proposed_by: personOf(by), proposed_at: e!.entry.time, proposal_reason: p.reason, approved_by: null, approved_at: null, ledger_index: e!.index, state_index: e!.index })
          .execute();
      },
    });
    return this.get(id);
  }

  /** A different person approves: the principal becomes active, with its first credential if one was proposed. */
  async approve(by: Principal, rawId: string, reason: string): Promise<{ principal: PrincipalRecord; credential?: { id: string; expiresAt: string | null } }> {
    const id = normalisePrincipalId(rawId);
    await this.#refuseUnderElevation(by, id, 'approve a principal');
    const p = await this.get(id);
    const actor = actorOf(by);
    const person = personOf(by);
    const { policy } = await this.#policies.active();
    const d = evaluateSeparation('principal.approve', 'approve it', person, [
      { part: 'proposer', persons: [p.proposedBy], did: `proposed ${id}` },
      { part: 'subject', persons: [p.owner ?? id], did: `would be vouching for ${p.owner && p.owner !== id ? 'their own service account' : 'themselves'}` },
    ], policy.hash);
    if (!d.allowed) await refuse(this.#ledger, actor, { kind: 'principal.approval_refused', subject: subjectOf(id), body: { id } }, d);
    // The person's own credential, if they proposed one: its expiry runs from the approval.
    const credential = p.hasCredential
      ? { id: newTokenId(), expiresAt: tokenExpiry(policy.pack.tokens ?? DEFAULT_TOKEN_RULES, Date.now(), {}) }
      : undefined;
    const tokenBody = credential && issuedBody({ ...credential, principal: id, type: p.type, roles: p.roles, scopes: null, noExpiryReason: null }, { enrolment: true });
    await this.#ledger.append({
      actor,
      entries: [
        { kind: 'principal.approved', subject: subjectOf(id), body: { id, roles: [...p.roles], reason, decision: d as unknown as JsonObject } },
        ...(credential ? [{ kind: 'token.issued', subject: `token:${credential.id}`, body: tokenBody! }] : []),
      ],
      apply: async (trx, [e]) => {
        const row = await this.#store.forUpdate(trx.selectFrom('principals').selectAll().where('id', '=', id)).executeTakeFirst();
        if (!row || row.state !== 'proposed') throw new CairnError('invalid_state', `${id} is ${row?.state ?? 'gone'}; only a proposed principal is approved`, { details: { state: row?.state ?? null, allowed: [] } });
        // The separation check above judged one proposal: a rejection and re-proposal since (by
        // someone else, with another credential) is a different one, decided afresh.
        if (Number(row.ledger_index) !== p.ledgerIndex) throw new CairnError('invalid_state', `${id} was re-proposed while you reviewed it (now by ${row.proposed_by}); review the current proposal`, { details: { state: row.state, allowed: [] } });
        await trx.updateTable('principals').set({ state: 'active', approved_by: person, approved_at: e!.entry.time, state_index: e!.index, credential_hash: null }).where('id', '=', id).execute();
        if (credential && row.credential_hash !== null) {
          if (await this.#credentialInUse(trx, row.credential_hash, id)) throw new CairnError('invalid_state', `the credential ${id} brought is in use meanwhile (a token, or another proposal); reject it and propose ${id} again with a new one`, { details: { state: row.state, allowed: [] } });
          await insertToken(trx, { ...credential, hash: row.credential_hash, principal: id, type: p.type, roles: p.roles, scopes: null, createdAt: e!.entry.time, createdBy: person, noExpiryReason: null });
        }
      },
    });
    this.#cache.delete(id);
    return credential ? { principal: await this.get(id), credential } : { principal: await this.get(id) };
  }

  async reject(by: Principal, rawId: string, reason: string): Promise<PrincipalRecord> {
    const id = normalisePrincipalId(rawId);
    await this.#refuseUnderElevation(by, id, 'reject a principal');
    await this.get(id);
    await this.#ledger.append({
      actor: actorOf(by),
      entries: [{ kind: 'principal.rejected', subject: subjectOf(id), body: { id, reason } }],
      apply: async (trx, [e]) => {
        const row = await this.#store.forUpdate(trx.selectFrom('principals').select('state').where('id', '=', id)).executeTakeFirst();
        if (!row || row.state !== 'proposed') throw new CairnError('invalid_state', `${id} is ${row?.state ?? 'gone'}; only a proposed principal is rejected`, { details: { state: row?.state ?? null, allowed: [] } });
        await trx.updateTable('principals').set({ state: 'rejected', credential_hash: null, state_index: e!.index }).where('id', '=', id).execute();
      },
    });
    return this.get(id);
  }

  /** A credential is one person's: never a live token's hash, nor another pending proposal's. */
  async #credentialInUse(db: Kysely<Database>, hash: Uint8Array, except: string): Promise<boolean> {
    const token = await db.selectFrom('api_tokens').select('id').where('token_hash', '=', hash).executeTakeFirst();
    if (token) return true;
    const other = await db.selectFrom('principals').select('id').where('credential_hash', '=', hash).where('id', '!=', except).executeTakeFirst();
    return other !== undefined;
  }

  async #refuseUnderElevation(by: Principal, id: string, what: string): Promise<void> {
    if (!by.elevation) return;
    const { policy } = await this.#policies.active();
    await refuse(this.#ledger, actorOf(by), { kind: 'principal.refused', subject: subjectOf(id), body: { id, action: what } }, decision('principal.change', [notElevated(by, what)], [], policy.hash), 'delegation_refused');
  }

  async find(rawId: string): Promise<PrincipalRecord | undefined> {
    const row = await this.#store.db.selectFrom('principals').selectAll().where('id', '=', normalisePrincipalId(rawId)).executeTakeFirst();
    return row && toRecord(row);
  }

  async get(rawId: string): Promise<PrincipalRecord> {
    const found = await this.find(rawId);
    if (!found) throw new CairnError('principal_not_found', `no principal ${normalisePrincipalId(rawId)}`);
    return found;
  }

  async list(state?: PrincipalTable['state']): Promise<PrincipalRecord[]> {
    let q = this.#store.db.selectFrom('principals').selectAll().orderBy('id');
    if (state) q = q.where('state', '=', state);
    return (await q.execute()).map(toRecord);
  }

  async founders(): Promise<PrincipalRecord[]> {
    return (await this.#store.db.selectFrom('principals').selectAll().where('vouched_by', '=', 'founder').orderBy('ledger_index').execute()).map(toRecord);
  }

  /** For authentication: the roles the principal holds now, its person, whether it is active (cached two seconds). */
  async resolve(rawId: string): Promise<ResolvedPrincipal | undefined> {
    const id = normalisePrincipalId(rawId);
    const now = Date.now();
    const cached = this.#cache.get(id);
    if (cached && cached.until > now) return cached.resolved;
    const r = await this.find(id);
    const resolved = r && { type: r.type, roles: r.roles, person: r.owner ?? r.id, active: r.state === 'active' };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(id, { resolved, until: now + CACHE_MS });
    return resolved;
  }

}

/** The rule that break-glass restores service and never manages identities or mints credentials. */
export function notElevated(p: Principal, what: string): RuleResult {
  return p.elevation
    ? deny('delegation.not_elevated', `${p.id} holds a break-glass elevation (${p.elevation.id}, until ${p.elevation.expiresAt}) and cannot ${what} under it`)
    : allow('delegation.not_elevated', `${p.id} acts without an elevation`);
}
