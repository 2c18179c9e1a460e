import crypto from 'node:crypto';
import type { Alerts } from '../alerts/alerts.js';
import { isRole, type Role } from '../auth/permissions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import { rfc3339, type JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { evaluateBreakGlass, type Decision } from '../policy/index.js';
import type { Store } from '../store/store.js';
import type { PolicyRegistry } from './policy-registry.js';

export interface Elevation {
  readonly id: string;
  readonly principal: string;
  readonly roles: readonly Role[];
  readonly reason: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly ledgerIndex: number;
}

export interface BreakGlassRequest {
  readonly assume: readonly Role[];
  readonly minutes: number;
  readonly reason: string;
}

/** The hard ceiling whatever a policy says: an elevation never lasts more than an hour. */
export const MAX_ELEVATION_MINUTES = 60;
const CACHE_MS = 1_000;

/**
 * Break-glass: time-boxed elevation with a written reason. Granted only if the active policy
 * allows it; the grant is a ledger entry, raises an alert (GET /api/v1/alerts, metrics) in the
 * same transaction, and ends by itself — elevations are looked up by expiry, nothing has to
 * revoke them. A refusal is recorded as well.
 */
export class BreakGlass {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #alerts: Alerts;
  readonly #cache = new Map<string, { elevation: Elevation | undefined; until: number }>();

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, alerts: Alerts) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#alerts = alerts;
  }

  async request(principal: Principal, request: BreakGlassRequest): Promise<{ elevation: Elevation; decision: Decision }> {
    const { policy } = await this.#policies.active();
    const baseRoles = principal.roles.filter((r) => !principal.elevation?.roles.includes(r));
    const decision = evaluateBreakGlass(policy, { roles: baseRoles, assume: request.assume, minutes: request.minutes });
    const allowed = decision.allowed && request.minutes <= MAX_ELEVATION_MINUTES;
    const actor = actorOf(principal);
    if (!allowed) {
      const recorded = await this.#ledger.refusals.record(actor, {
        kind: 'break_glass.denied',
        subject: `principal:${principal.id}`,
        body: { assume: [...request.assume], minutes: request.minutes, reason: request.reason, decision: decision as unknown as JsonObject },
      });
      throw new CairnError('break_glass_denied', decision.reasons.join('; ') || 'policy does not allow this elevation', { details: { decision, ...recorded } });
    }
    const id = `elv_${crypto.randomBytes(9).toString('base64url')}`;
    const grantedAt = Date.now();
    const expiresAt = rfc3339(grantedAt + request.minutes * 60_000);
    let elevation: Elevation | undefined;
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: 'break_glass.granted',
          subject: `principal:${principal.id}`,
          body: { id, principal: principal.id, assume: [...request.assume], minutes: request.minutes, expiresAt, reason: request.reason, decision: decision as unknown as JsonObject },
        },
      ],
      apply: async (trx, [entry]) => {
        elevation = { id, principal: principal.id, roles: request.assume, reason: request.reason, grantedAt: entry!.entry.time, expiresAt, ledgerIndex: entry!.index };
        await trx
          .insertInto('elevations')
          .values({ id, principal: principal.id, roles: JSON.stringify(request.assume), reason: request.reason, granted_at: entry!.entry.time, expires_at: expiresAt, ledger_index: entry!.index })
          .execute();
        await this.#alerts.raise(trx, {
          kind: 'break_glass',
          severity: 'high',
          message: `break-glass: ${principal.id} assumed ${request.assume.join(', ')} for ${request.minutes} min — "${request.reason}"`,
          principal: principal.id,
          expiresAt,
          ledgerIndex: entry!.index,
        });
      },
    });
    this.#cache.delete(principal.id);
    return { elevation: elevation!, decision };
  }

  /** The principal's elevation in force now, if any (cached for a second). */
  async active(principalId: string): Promise<Elevation | undefined> {
    const now = Date.now();
    const cached = this.#cache.get(principalId);
    if (cached && cached.until > now && (!cached.elevation || Date.parse(cached.elevation.expiresAt) > now)) return cached.elevation;
    const row = await this.#store.db
      .selectFrom('elevations')
      .selectAll()
      .where('principal', '=', principalId)
      .where('expires_at', '>', rfc3339(now))
      .orderBy('expires_at', 'desc')
      .executeTakeFirst();
    const elevation = row && {
      id: row.id,
      principal: row.principal,
      roles: (JSON.parse(row.roles) as string[]).filter(isRole),
      reason: row.reason,
      grantedAt: row.granted_at,
      expiresAt: row.expires_at,
      ledgerIndex: Number(row.ledger_index),
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(principalId, { elevation, until: now + CACHE_MS });
    return elevation;
  }

  /** Adds the principal's active elevation, if any, to its roles. */
  async elevate(principal: Principal): Promise<Principal> {
    const elevation = await this.active(principal.id);
    if (!elevation) return principal;
    return {
      ...principal,
      roles: [...new Set([...principal.roles, ...elevation.roles])],
      elevation: { id: elevation.id, roles: elevation.roles, expiresAt: elevation.expiresAt },
    };
  }
}
