import { query, type Transport } from './transport.js';
import type { Alert, Decision, Elevation, PrincipalInfo, Role, TokenInfo, WhoAmI } from './types.js';

/** Identity and access: tokens, the caller, break-glass, alerts. */
export class IdentityApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * Issues an API token for yourself (the default) or a service account you own, with roles the
   * principal holds and permissions within your own. The secret is in this answer only.
   * @example const { token } = await cairn.identity.issueToken({ principal: 'etl-pipeline', roles: ['service'], ttl: 86400 });
   */
  issueToken(request: { principal?: string; roles: readonly Role[]; ttl?: number; noExpiry?: { reason: string }; scopes?: readonly string[] }): Promise<{ token: string; id: string; expiresAt: string | null }> {
    return this.#http.json('POST', '/api/v1/tokens', request);
  }

  /**
   * Proposes a principal (admin); it becomes active when another person approves it. The person
   * brings their own credential: pass the SHA-256 of a token they made (`newTokenSecret`).
   * @example await cairn.identity.proposePrincipal({ id: 'bea', type: 'user', roles: ['reviewer:business'], credentialSha256, reason: 'joins model risk' });
   */
  proposePrincipal(request: { id: string; type: 'user' | 'service'; roles: readonly Role[]; owner?: string; displayName?: string; credentialSha256?: string; reason: string }): Promise<PrincipalInfo> {
    return this.#http.json('POST', '/api/v1/principals', request);
  }

  /** @example await cairn.identity.approvePrincipal('bea', 'HR record checked'); */
  approvePrincipal(id: string, reason: string): Promise<{ principal: PrincipalInfo; credential?: { id: string; expiresAt: string | null } }> {
    return this.#http.json('POST', `/api/v1/principals/${encodeURIComponent(id)}/approve`, { reason });
  }

  /** @example await cairn.identity.rejectPrincipal('r1', 'no such person in HR'); */
  rejectPrincipal(id: string, reason: string): Promise<PrincipalInfo> {
    return this.#http.json('POST', `/api/v1/principals/${encodeURIComponent(id)}/reject`, { reason });
  }

  /** @example const pending = await cairn.identity.principals({ state: 'proposed' }); */
  async principals(filter: { state?: PrincipalInfo['state'] } = {}): Promise<PrincipalInfo[]> {
    return (await this.#http.json<{ principals: PrincipalInfo[] }>('GET', `/api/v1/principals${query(filter)}`)).principals;
  }

  /** @example const bea = await cairn.identity.principal('bea'); */
  principal(id: string): Promise<PrincipalInfo> {
    return this.#http.json('GET', `/api/v1/principals/${encodeURIComponent(id)}`);
  }

  /** @example const tokens = await cairn.identity.listTokens({ principal: 'etl-pipeline' }); */
  async listTokens(filter: { principal?: string; includeRevoked?: boolean } = {}): Promise<TokenInfo[]> {
    return (await this.#http.json<{ tokens: TokenInfo[] }>('GET', `/api/v1/tokens${query(filter)}`)).tokens;
  }

  /** @example await cairn.identity.revokeToken('tok_…', 'laptop lost'); */
  revokeToken(id: string, reason?: string): Promise<TokenInfo> {
    return this.#http.json('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}${query({ reason })}`);
  }

  /** @example const me = await cairn.identity.whoami(); console.log(me.id, me.roles); */
  whoami(): Promise<WhoAmI> {
    return this.#http.json('GET', '/api/v1/whoami');
  }

  /**
   * Requests break-glass elevation; refused (403 break_glass_denied) unless policy allows it.
   * @example await cairn.identity.breakGlass({ assume: ['admin'], minutes: 30, reason: 'INC-4211: signer down, rotating key' });
   */
  breakGlass(request: { assume: readonly Role[]; minutes: number; reason: string }): Promise<{ elevation: Elevation; decision: Decision }> {
    return this.#http.json('POST', '/api/v1/break-glass', request);
  }

  /** @example const { elevation } = await cairn.identity.elevation(); */
  elevation(): Promise<{ elevation: Elevation | null }> {
    return this.#http.json('GET', '/api/v1/break-glass');
  }

  /** @example const active = await cairn.identity.alerts({ active: true }); */
  async alerts(filter: { active?: boolean; limit?: number } = {}): Promise<Alert[]> {
    return (await this.#http.json<{ alerts: Alert[] }>('GET', `/api/v1/alerts${query(filter)}`)).alerts;
  }
}
