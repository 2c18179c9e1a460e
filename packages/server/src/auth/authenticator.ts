import type { BreakGlass } from '../governance/break-glass.js';
import { OidcVerifier } from './oidc.js';
import { rolesGrant, type Permission } from './permissions.js';
import type { Principal } from './principal.js';
import type { TokenService } from './tokens.js';

/** Verifies a JWT bearer token from the organisation's identity provider (auth/oidc.ts). */
export interface JwtVerifier {
  verify(jwt: string): Promise<Principal>;
}

/**
 * Who is calling: an API token (`cairn_…`) or, when OIDC is configured, a JWT from the identity
 * provider; then any active break-glass elevation is added to the principal's roles.
 */
export class Authenticator {
  readonly #tokens: TokenService;
  readonly #breakGlass: BreakGlass;
  readonly #oidc: JwtVerifier | undefined;

  constructor(tokens: TokenService, breakGlass: BreakGlass, oidc?: JwtVerifier) {
    this.#tokens = tokens;
    this.#breakGlass = breakGlass;
    this.#oidc = oidc;
  }

  async authenticate(bearer: string): Promise<Principal> {
    const base = this.#oidc && OidcVerifier.looksLikeJwt(bearer) ? await this.#oidc.verify(bearer) : await this.#tokens.authenticate(bearer);
    return this.#breakGlass.elevate(base);
  }
}

/** The route's permission must be granted by a role, and fall within the token's scopes if it has any. */
export function authorize(principal: Principal, permission: Permission): boolean {
  if (!rolesGrant(principal.roles, permission)) return false;
  return principal.scopes === undefined || permission === 'public' || principal.scopes.includes(permission);
}
