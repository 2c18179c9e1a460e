import type { BreakGlass } from '../governance/break-glass.js';
import { CairnError } from '../errors/catalog.js';
import type { ClientCertificate } from './client-certificates.js';
import { OidcVerifier } from './oidc.js';
import { rolesGrant, type Permission } from './permissions.js';
import type { Principal } from './principal.js';
import type { Principals } from './principals.js';
import type { TokenService } from './tokens.js';

/** Verifies a JWT bearer token from the organisation's identity provider (auth/oidc.ts). */
export interface JwtVerifier {
  verify(jwt: string): Promise<Principal>;
}

/**
 * Who is calling: an API token (`cairn_…`), when OIDC is configured a JWT from the identity
 * provider, or a verified client certificate mapped to a service principal; then any active
 * break-glass elevation is added to the principal's roles.
 */
export class Authenticator {
  readonly #tokens: TokenService;
  readonly #breakGlass: BreakGlass;
  readonly #oidc: JwtVerifier | undefined;
  readonly #principals: Principals;

  constructor(tokens: TokenService, breakGlass: BreakGlass, principals: Principals, oidc?: JwtVerifier) {
    this.#tokens = tokens;
    this.#breakGlass = breakGlass;
    this.#principals = principals;
    this.#oidc = oidc;
  }

  async authenticate(bearer: string): Promise<Principal> {
    const base = this.#oidc && OidcVerifier.looksLikeJwt(bearer) ? await this.#oidc.verify(bearer) : await this.#tokens.authenticate(bearer);
    return this.#breakGlass.elevate(base);
  }

  /**
   * A client certificate the TLS handshake verified against the listener's client CA, mapped to
   * `principalId` (auth/client-certificates.ts). Only an active **service** principal is
   * authenticated this way: a person proves themselves with a token or the identity provider, not
   * with a file on a machine. Its roles are its record's, as for a token without a cap.
   */
  async authenticateCertificate(cert: ClientCertificate, principalId: string): Promise<Principal> {
    const resolved = await this.#principals.resolve(principalId);
    if (!resolved?.active) throw new CairnError('unauthenticated', `the client certificate maps to ${principalId}, which is not an active principal of this server`);
    if (resolved.type !== 'service') throw new CairnError('unauthenticated', `the client certificate maps to ${principalId}, which is not a service account: only service accounts authenticate by certificate`);
    const base: Principal = { id: principalId, type: 'service', roles: resolved.roles, auth: 'mtls', tokenId: `sha256:${cert.sha256}` };
    return this.#breakGlass.elevate(resolved.person === principalId ? base : { ...base, person: resolved.person });
  }
}

/** The route's permission must be granted by a role, and fall within the token's scopes if it has any. */
export function authorize(principal: Principal, permission: Permission): boolean {
  if (!rolesGrant(principal.roles, permission)) return false;
  return principal.scopes === undefined || permission === 'public' || principal.scopes.includes(permission);
}
