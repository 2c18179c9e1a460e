import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import { rfc3339 } from '../ledger/entry.js';
import type { TokenRules } from '../policy/index.js';
import type { Database } from '../store/schema.js';
import type { Permission, Role } from './permissions.js';

/** Without a `tokens` section in the policy pack. */
export const DEFAULT_TOKEN_RULES: TokenRules = { default_hours: 12, max_days: 90 };
export const TOKEN_PREFIX = 'cairn_';

/** SHA-256 suffices: tokens are 256 random bits, so there is nothing to brute-force. */
export function hashToken(token: string): Uint8Array {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

export const newTokenId = () => `tok_${crypto.randomBytes(9).toString('base64url')}`;
export const newTokenSecret = () => TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');

/** When a token asked for now expires: the pack's default, never past its maximum; null only when asked explicitly. */
export function tokenExpiry(rules: TokenRules, now: number, ask: { ttlSeconds?: number | undefined; noExpiry?: boolean | undefined }): string | null {
  if (ask.noExpiry) return null;
  const maxSeconds = rules.max_days * 86_400;
  const ttl = ask.ttlSeconds ?? rules.default_hours * 3_600;
  if (ttl > maxSeconds) {
    throw new CairnError('invalid_request', `a token lives at most ${rules.max_days} days under the active policy (asked: ${ttl} s)`, { details: { maxSeconds } });
  }
  return rfc3339(now + ttl * 1000);
}

export interface TokenRow {
  readonly id: string;
  readonly hash: Uint8Array;
  readonly principal: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly scopes: readonly Permission[] | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly noExpiryReason: string | null;
}

export async function insertToken(trx: Kysely<Database>, t: TokenRow): Promise<void> {
  await trx
    .insertInto('api_tokens')
    .values({
      id: t.id,
      token_hash: t.hash,
      principal: t.principal,
      principal_type: t.type,
      roles: JSON.stringify(t.roles),
      scopes: t.scopes === null ? null : JSON.stringify(t.scopes),
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      revoked_at: null,
      last_used_at: null,
      created_by: t.createdBy,
      no_expiry_reason: t.noExpiryReason,
    })
    .execute();
}

/** The ledger body of `token.issued`: the token's id and powers, never its secret or hash. */
export function issuedBody(t: Pick<TokenRow, 'id' | 'principal' | 'type' | 'roles' | 'scopes' | 'expiresAt' | 'noExpiryReason'>, extra: { enrolment?: boolean } = {}) {
  return {
    id: t.id,
    principal: t.principal,
    principalType: t.type,
    roles: [...t.roles],
    scopes: t.scopes === null ? null : [...t.scopes],
    expiresAt: t.expiresAt,
    ...(t.noExpiryReason === null ? {} : { noExpiryReason: t.noExpiryReason }),
    ...(extra.enrolment ? { enrolment: true } : {}),
  };
}
