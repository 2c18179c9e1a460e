import type { Actor } from '../ledger/entry.js';
import type { Permission, Role } from './permissions.js';

/** An authenticated caller. */
export interface Principal {
  /** Normalised (auth/person.ts). */
  readonly id: string;
  /** The person accountable when it is not `id` (a service account's owner). */
  readonly person?: string | undefined;
  readonly type: 'user' | 'service';
  /** Roles in force for this request: the credential's, plus any active break-glass elevation. */
  readonly roles: readonly Role[];
  readonly auth: 'token' | 'oidc' | 'mtls';
  /** The API token's id, the OIDC token's `jti`, or `sha256:<hex>` of the client certificate. Never the secret. */
  readonly tokenId?: string | undefined;
  /** For API tokens: the permissions the token is limited to, if it was issued with scopes. */
  readonly scopes?: readonly Permission[] | undefined;
  /** Roles added by an active break-glass elevation, and when it ends. */
  readonly elevation?: { readonly id: string; readonly roles: readonly Role[]; readonly expiresAt: string } | undefined;
}

/** The ledger's record of who acted: the principal and how it authenticated, never the secret. */
export function actorOf(principal: Principal): Actor {
  const actor: { -readonly [K in keyof Actor]: Actor[K] } = { id: principal.id, type: principal.type, auth: principal.auth };
  if (principal.tokenId !== undefined) actor.tokenId = principal.tokenId;
  if (principal.elevation) actor.elevation = principal.elevation.id;
  if (principal.person !== undefined && principal.person !== principal.id) actor.person = principal.person;
  return actor;
}

/** The actor of entries Cairn writes on its own behalf (bootstrap, expiry). */
export const SYSTEM_ACTOR: Actor = { id: 'cairn', type: 'system', auth: 'system' };
