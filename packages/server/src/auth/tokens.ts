import fs from 'node:fs';
import path from 'node:path';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import { refuse } from '../governance/refusals.js';
import { rfc3339, type Actor } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { allow, decision, deny, type RuleResult } from '../policy/index.js';
import type { ApiTokenTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { PERMISSIONS, isRole, rolesGrant, type Permission, type Role } from './permissions.js';
import { normalisePrincipalId, personOf } from './person.js';
import { notElevated, type Principals } from './principals.js';
import { actorOf, SYSTEM_ACTOR, type Principal } from './principal.js';
import { DEFAULT_TOKEN_RULES, TOKEN_PREFIX, hashToken, insertToken, issuedBody, newTokenId, newTokenSecret, tokenExpiry } from './token-rows.js';

export interface IssuedToken {
  readonly token: string;
  readonly id: string;
  readonly expiresAt: string | null;
}

export interface TokenRequest {
  readonly principal: string;
  readonly roles: readonly Role[];
  /** Lifetime; the policy's default when absent, never more than its maximum. */
  readonly ttlSeconds?: number | undefined;
  /** A token that never expires: service accounts only, with a reason. */
  readonly noExpiry?: { readonly reason: string } | undefined;
  readonly scopes?: readonly Permission[] | undefined;
}

/** What may be shown about a token: everything but its secret (which is never stored). */
export interface TokenInfo {
  readonly id: string;
  readonly principal: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly scopes: readonly Permission[] | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string | null;
  readonly noExpiryReason: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const CACHE_MS = 2_000;
const LAST_USED_RESOLUTION_MS = 60_000;

function toInfo(row: ApiTokenTable): TokenInfo {
  return {
    id: row.id,
    principal: row.principal,
    type: row.principal_type === 'service' ? 'service' : 'user',
    roles: (JSON.parse(row.roles) as string[]).filter(isRole),
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]).filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p)),
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    noExpiryReason: row.no_expiry_reason,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Every permission a set of roles grants, within the scopes if there are any. */
export function effectivePermissions(roles: readonly Role[], scopes: readonly Permission[] | null | undefined): Set<Permission> {
  return new Set(PERMISSIONS.filter((p) => p !== 'public' && rolesGrant(roles, p) && (scopes == null || scopes.includes(p))));
}

/**
 * API tokens: random, shown once, stored only as a SHA-256 hash, with expiry, optional scopes,
 * revocation and last use. Issuing and revoking are ledger entries (`token.issued`,
 * `token.revoked`) written in the same transaction as the token row; they carry the token's id,
 * never its secret.
 *
 * Delegation (docs/identity.md): a caller issues tokens only for its own principal or a service
 * account its person owns; only with roles that principal holds; only with permissions within the
 * caller's own effective ones (roles ∩ scopes); never under a break-glass elevation. A refusal is
 * recorded (`token.refused`). A token's powers are also capped at use: its roles ∩ the roles its
 * principal holds now, and only while the principal is active. Lookups are cached for two
 * seconds; a revocation takes effect at once in this process and within that time in others.
 */
export class TokenService {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #principals: Principals;
  readonly #cache = new Map<string, { info: TokenInfo; until: number }>();
  readonly #lastUsedWritten = new Map<string, number>();

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, principals: Principals) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#principals = principals;
  }

  /**
   * Issues a token. `by` is the calling principal, or the system actor for the installation
   * ceremony (bootstrap), which may issue for any active principal within the roles it holds.
   */
  async issue(by: Principal | typeof SYSTEM_ACTOR, request: TokenRequest): Promise<IssuedToken & { ledgerIndex: number }> {
    const target = normalisePrincipalId(request.principal);
    const record = await this.#principals.find(target);
    const roles = [...new Set(request.roles)];
    const scopes = request.scopes === undefined ? null : [...new Set(request.scopes)];
    const actor = by === SYSTEM_ACTOR ? SYSTEM_ACTOR : actorOf(by as Principal);
    const { policy } = await this.#policies.active();

    const rules: RuleResult[] = [];
    const check = (rule: string, ok: boolean, yes: string, no: string) => rules.push(ok ? allow(`delegation.${rule}`, yes) : deny(`delegation.${rule}`, no));
    check('principal_active', record?.state === 'active', `${target} is an active principal`, `${target} is not an active principal (propose it, and have another person approve it)`);
    const held = record?.roles ?? [];
    const unheld = roles.filter((r) => !held.includes(r));
    check('roles_held', unheld.length === 0, `${target} holds ${roles.join(', ')}`, `${target} does not hold ${unheld.join(', ')}`);
    if (by !== SYSTEM_ACTOR) {
      const caller = by as Principal;
      rules.push(notElevated(caller, 'issue tokens'));
      const person = personOf(caller);
      const own = target === normalisePrincipalId(caller.id) || (record?.type === 'service' && record.owner === person);
      check('own_principal', own, `${target} is ${caller.id}'s own principal`, `${caller.id} may issue tokens only for themselves or a service account they own, not for ${target}: every person makes their own credential`);
      const mine = effectivePermissions(caller.roles, caller.scopes ?? null);
      const wider = [...effectivePermissions(roles, scopes)].filter((p) => !mine.has(p));
      check('within_own_permissions', wider.length === 0, 'the token grants nothing the caller lacks', `the token would grant ${wider.join(', ')}, which the calling token does not have`);
    }
    const d = decision('token.issue', rules, [], policy.hash);
    const refusal = { kind: 'token.refused', subject: `principal:${target}`, body: { principal: target, roles, scopes } };
    if (!d.allowed) await refuse(this.#ledger, actor, refusal, d, 'delegation_refused');
    // The lifetime the policy allows: refused (and recorded) like any other delegation rule, as a request error.
    const lifetimeRules = policy.pack.tokens ?? DEFAULT_TOKEN_RULES;
    const maxSeconds = lifetimeRules.max_days * 86_400;
    const ttl = request.ttlSeconds ?? lifetimeRules.default_hours * 3_600;
    const lifetime = request.noExpiry
      ? record?.type === 'service'
        ? allow('delegation.no_expiry_service_only', `${target} is a service account: it may hold a token that never expires, with a reason`)
        : deny('delegation.no_expiry_service_only', 'only a service account may hold a token that never expires')
      : ttl <= maxSeconds
        ? allow('delegation.lifetime', `${ttl} s is within the ${lifetimeRules.max_days}-day maximum`)
        : deny('delegation.lifetime', `a token lives at most ${lifetimeRules.max_days} days under the active policy (asked: ${ttl} s)`);
    if (lifetime.effect === 'deny') {
      await refuse(this.#ledger, actor, refusal, decision('token.issue', [...rules, lifetime], [], policy.hash), 'invalid_request', lifetime.reason, request.noExpiry ? { principal: target } : { maxSeconds });
    }

    const token = newTokenSecret();
    const now = Date.now();
    const row = {
      id: newTokenId(),
      hash: hashToken(token),
      principal: target,
      type: record!.type,
      roles,
      scopes,
      createdAt: rfc3339(now),
      createdBy: actor.person ?? actor.id,
      expiresAt: tokenExpiry(policy.pack.tokens ?? DEFAULT_TOKEN_RULES, now, { ttlSeconds: request.ttlSeconds, noExpiry: request.noExpiry !== undefined }),
      noExpiryReason: request.noExpiry?.reason ?? null,
    };
    const result = await this.#ledger.append({
      actor,
      entries: [{ kind: 'token.issued', subject: `token:${row.id}`, body: issuedBody(row) }],
      apply: async (trx) => {
        await insertToken(trx, row);
      },
    });
    return { token, id: row.id, expiresAt: row.expiresAt, ledgerIndex: result.entries[0]!.index };
  }

  async revoke(actor: Actor, id: string, reason: string): Promise<TokenInfo> {
    const now = rfc3339(Date.now());
    let info: TokenInfo | undefined;
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'token.revoked', subject: `token:${id}`, body: { id, reason } }],
      apply: async (trx) => {
        const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new CairnError('token_not_found', `no token has id ${id}`);
        if (row.revoked_at !== null) {
          throw new CairnError('invalid_state', `token ${id} was already revoked at ${row.revoked_at}`, { details: { state: 'revoked', allowed: [] } });
        }
        await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
        info = toInfo({ ...row, revoked_at: now });
      },
    });
    for (const [key, cached] of this.#cache) if (cached.info.id === id) this.#cache.delete(key);
    return info!;
  }

  async list(filter: { principal?: string | undefined; includeRevoked?: boolean } = {}): Promise<TokenInfo[]> {
    let q = this.#store.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc');
    if (filter.principal) q = q.where('principal', '=', normalisePrincipalId(filter.principal));
    if (!filter.includeRevoked) q = q.where('revoked_at', 'is', null);
    return (await q.execute()).map(toInfo);
  }

  /** The principal a bearer token stands for (without elevations), or a 401 CairnError. */
  async authenticate(token: string): Promise<Principal> {
    if (!token.startsWith(TOKEN_PREFIX)) throw unknown();
    const key = Buffer.from(hashToken(token)).toString('hex');
    const now = Date.now();
    let info = this.#cache.get(key);
    if (!info || info.until <= now) {
      const row = await this.#store.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
      if (!row) throw unknown();
      if (this.#cache.size > 10_000) this.#cache.clear();
      info = { info: toInfo(row), until: now + CACHE_MS };
      this.#cache.set(key, info);
    }
    const t = info.info;
    if (t.revokedAt !== null) throw new CairnError('token_expired', 'the bearer token was revoked');
    if (t.expiresAt !== null && Date.parse(t.expiresAt) <= now) throw new CairnError('token_expired', 'the bearer token has expired');
    const principal = await this.#principals.resolve(t.principal);
    if (!principal?.active) throw new CairnError('unauthenticated', `the bearer token's principal ${t.principal} is not an active principal of this server`);
    this.#touch(t.id, now);
    // A token never holds more than its principal does now: a role withdrawn is withdrawn from every token.
    const roles = t.roles.filter((r) => principal.roles.includes(r));
    const base = { id: normalisePrincipalId(t.principal), type: t.type, roles, auth: 'token' as const, tokenId: t.id, scopes: t.scopes ?? undefined };
    return principal.person === base.id ? base : { ...base, person: principal.person };
  }

  /** Live tokens that never expire (a KPI: each one is a standing credential). */
  async withoutExpiry(): Promise<number> {
    const row = await this.#store.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('expires_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** `last_used_at`, written at most once a minute per token and never on the request's path. */
  #touch(tokenId: string, now: number): void {
    const last = this.#lastUsedWritten.get(tokenId) ?? 0;
    if (now - last < LAST_USED_RESOLUTION_MS) return;
    this.#lastUsedWritten.set(tokenId, now);
    this.#store.db
      .updateTable('api_tokens')
      .set({ last_used_at: rfc3339(now) })
      .where('id', '=', tokenId)
      .execute()
      .catch(() => undefined);
  }
}

const unknown = () => new CairnError('unauthenticated', 'the bearer token is not known to this server');

/** The founder the first start creates. */
export const BOOTSTRAP_PRINCIPAL = 'admin';

/**
 * On a store without founders (a new store), founds the bootstrap admin and issues its token
 * (ledgered, by the system actor, with the policy's default lifetime) into a 0600 file. Returns
 * the file's path — never the token — for the caller to print. An operator on the server's
 * machine gets a fresh one with `cairn token bootstrap` (issueBootstrapToken).
 */
export async function bootstrapAdminToken(tokens: TokenService, principals: Principals, dataDir: string): Promise<string | undefined> {
  if ((await principals.founders()).length > 0) return undefined;
  const issued = await issueBootstrapToken(tokens, principals, { principal: BOOTSTRAP_PRINCIPAL, roles: ['admin'], reason: 'first start' });
  const file = path.join(dataDir, 'admin-token');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${issued.token}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * The installation ceremony: founds the principal if the store has fewer than two founders (or
 * finds the existing founder), then issues it a token. Only on the server's machine (the data
 * directory or database URL), never through the API.
 */
export async function issueBootstrapToken(tokens: TokenService, principals: Principals, ask: { principal: string; roles: readonly Role[]; reason: string; ttlSeconds?: number | undefined }): Promise<IssuedToken & { ledgerIndex: number }> {
  const founder = await principals.found(ask.principal, ask.roles, ask.reason);
  return tokens.issue(SYSTEM_ACTOR, { principal: founder.id, roles: founder.roles, ttlSeconds: ask.ttlSeconds });
}
