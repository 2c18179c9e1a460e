import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CairnError } from '../errors/catalog.js';
import { rfc3339 } from '../ledger/entry.js';
import type { Store } from '../store/store.js';
import { isRole, type Role } from './permissions.js';
import type { Principal } from './principal.js';

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
  readonly createdBy?: string | undefined;
}

const TOKEN_PREFIX = 'cairn_';
const CACHE_MS = 2_000;
const LAST_USED_RESOLUTION_MS = 60_000;

/** SHA-256 suffices: tokens are 256 random bits, so there is nothing to brute-force. */
function hashToken(token: string): Uint8Array {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

/**
 * API tokens: random, shown once, stored only as a SHA-256 hash. Lookups are cached for two
 * seconds; a revocation in this process takes effect at once, in other processes within that time.
 */
export class TokenService {
  readonly #store: Store;
  readonly #cache = new Map<string, { principal: Principal; expiresAt: number | null; until: number }>();
  readonly #lastUsedWritten = new Map<string, number>();

  constructor(store: Store) {
    this.#store = store;
  }

  async issue(request: TokenRequest): Promise<IssuedToken> {
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const id = `tok_${crypto.randomBytes(9).toString('base64url')}`;
    const now = Date.now();
    const expiresAt = request.ttlSeconds === undefined ? null : rfc3339(now + request.ttlSeconds * 1000);
    await this.#store.db
      .insertInto('api_tokens')
      .values({
        id,
        token_hash: hashToken(token),
        principal: request.principal,
        principal_type: request.type,
        roles: JSON.stringify(request.roles),
        created_at: rfc3339(now),
        expires_at: expiresAt,
        revoked_at: null,
        last_used_at: null,
        created_by: request.createdBy ?? null,
      })
      .execute();
    return { token, id, expiresAt };
  }

  /** The principal a bearer token stands for, or a 401 CairnError. */
  async authenticate(token: string): Promise<Principal> {
    const key = Buffer.from(hashToken(token)).toString('hex');
    const now = Date.now();
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) {
      if (cached.expiresAt !== null && cached.expiresAt <= now) throw expired();
      this.#touch(cached.principal.tokenId, now);
      return cached.principal;
    }
    if (!token.startsWith(TOKEN_PREFIX)) throw unknown();
    const row = await this.#store.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row) throw unknown();
    if (row.revoked_at !== null) throw expired();
    const expiresAt = row.expires_at === null ? null : Date.parse(row.expires_at);
    if (expiresAt !== null && expiresAt <= now) throw expired();
    const roles = (JSON.parse(row.roles) as string[]).filter(isRole);
    const principal: Principal = {
      id: row.principal,
      type: row.principal_type === 'service' ? 'service' : 'user',
      roles,
      auth: 'token',
      tokenId: row.id,
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { principal, expiresAt, until: now + CACHE_MS });
    this.#touch(row.id, now);
    return principal;
  }

  async count(): Promise<number> {
    const row = await this.#store.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
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
const expired = () => new CairnError('token_expired', 'the bearer token has expired or was revoked');

/**
 * On a store without tokens, issues the bootstrap admin token and writes it to a 0600 file.
 * Returns the file's path (never the token) so the caller can print where to find it.
 */
export async function bootstrapAdminToken(tokens: TokenService, dataDir: string): Promise<string | undefined> {
  if ((await tokens.count()) > 0) return undefined;
  const issued = await tokens.issue({ principal: 'admin', type: 'user', roles: ['admin'], createdBy: 'bootstrap' });
  const file = path.join(dataDir, 'admin-token');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${issued.token}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}
