import { query, type Transport } from './transport.js';
import type { Alert, Decision, Elevation, Role, TokenInfo, WhoAmI } from './types.js';

/** Identity and access: tokens, the caller, break-glass, alerts. */
export class IdentityApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * Issues an API token (admin). The secret is in this answer only.
   * @example const { token } = await cairn.identity.issueToken({ principal: 'etl-pipeline', roles: ['service'], ttl: 86400 });
   */
  issueToken(request: { principal: string; roles: readonly Role[]; type?: 'user' | 'service'; ttl?: number; scopes?: readonly string[] }): Promise<{ token: string; id: string; expiresAt: string | null }> {
    return this.#http.json('POST', '/api/v1/tokens', request);
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
