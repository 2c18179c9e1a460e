import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import { rfc3339, type Actor } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ApiTokenTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { PERMISSIONS, isRole, type Permission, type Role } from './permissions.js';
import { SYSTEM_ACTOR, type Principal } from './principal.js';

export interface IssuedToken {
  readonly token: string;
  readonly id: string;
  readonly expiresAt: string | null;
}

export interface TokenRequest {
  readonly principal: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly ttlSeconds?: number | undefined;
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
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const TOKEN_PREFIX = 'cairn_';
const CACHE_MS = 2_000;
const LAST_USED_RESOLUTION_MS = 60_000;

/** SHA-256 suffices: tokens are 256 random bits, so there is nothing to brute-force. */
function hashToken(token: string): Uint8Array {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

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
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * API tokens: random, shown once, stored only as a SHA-256 hash, with expiry, optional scopes,
 * revocation and last use. Issuing and revoking are ledger entries (`token.issued`,
 * `token.revoked`) written in the same transaction as the token row; they carry the token's id,
 * never its secret. Lookups are cached for two seconds; a revocation takes effect at once in
 * this process and within that time in others.
 */
export class TokenService {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #cache = new Map<string, { info: TokenInfo; until: number }>();
  readonly #lastUsedWritten = new Map<string, number>();

  constructor(store: Store, ledger: Ledger) {
    this.#store = store;
    this.#ledger = ledger;
  }

  async issue(actor: Actor, request: TokenRequest): Promise<IssuedToken & { ledgerIndex: number }> {
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const id = `tok_${crypto.randomBytes(9).toString('base64url')}`;
    const now = Date.now();
    const expiresAt = request.ttlSeconds === undefined ? null : rfc3339(now + request.ttlSeconds * 1000);
    const roles = [...new Set(request.roles)];
    const scopes = request.scopes === undefined ? null : [...new Set(request.scopes)];
    const result = await this.#ledger.append({
      actor,
      entries: [
        {
          kind: 'token.issued',
          subject: `token:${id}`,
          body: { id, principal: request.principal, principalType: request.type, roles, scopes, expiresAt },
        },
      ],
      apply: async (trx) => {
        await trx
          .insertInto('api_tokens')
          .values({
            id,
            token_hash: hashToken(token),
            principal: request.principal,
            principal_type: request.type,
            roles: JSON.stringify(roles),
            scopes: scopes === null ? null : JSON.stringify(scopes),
            created_at: rfc3339(now),
            expires_at: expiresAt,
            revoked_at: null,
            last_used_at: null,
            created_by: actor.id,
          })
          .execute();
      },
    });
    return { token, id, expiresAt, ledgerIndex: result.entries[0]!.index };
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
    if (filter.principal) q = q.where('principal', '=', filter.principal);
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
    this.#touch(t.id, now);
    return { id: t.principal, type: t.type, roles: t.roles, auth: 'token', tokenId: t.id, scopes: t.scopes ?? undefined };
  }

  async count(trx: Kysely<Database> = this.#store.db): Promise<number> {
    const row = await trx.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
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

/**
 * On a store without tokens, issues the bootstrap admin token (ledgered, by the system actor)
 * and writes it to a 0600 file. Returns the file's path — never the token — for the caller to print.
 */
export async function bootstrapAdminToken(tokens: TokenService, dataDir: string): Promise<string | undefined> {
  if ((await tokens.count()) > 0) return undefined;
  const issued = await tokens.issue(SYSTEM_ACTOR, { principal: 'admin', type: 'user', roles: ['admin'] });
  const file = path.join(dataDir, 'admin-token');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${issued.token}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}
