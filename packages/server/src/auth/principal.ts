import type { Actor } from '../ledger/entry.js';
import type { Role } from './permissions.js';

/** An authenticated caller. */
export interface Principal {
  readonly id: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly auth: 'token';
  readonly tokenId: string;
}

/** The ledger's record of who acted: the principal and how it authenticated, never the secret. */
export function actorOf(principal: Principal): Actor {
  return { id: principal.id, type: principal.type, auth: principal.auth, tokenId: principal.tokenId };
}
