import { actorOf, SYSTEM_ACTOR, type Principal } from '../auth/principal.js';
import type { Ledger } from '../ledger/ledger.js';

export interface ListenerDenial {
  readonly listener: string;
  readonly reason: 'route_group_not_served' | 'role_not_served';
  readonly method: string;
  /** The route's pattern (`/api/v1/exports/:id`), never the raw URL. */
  readonly route: string;
  readonly group: string;
  readonly client: string;
  readonly principal: Principal | undefined;
}

const WINDOW_MS = 60_000;

/**
 * Records requests a listener refused because of its scope as `access.denied_listener` entries,
 * at most one per listener, principal, route and reason per minute: the others in that minute are
 * counted and the count rides on the next entry (`suppressedBefore`), so a caller hammering the
 * wrong listener cannot flood the ledger.
 */
export class ListenerDenials {
  readonly #ledger: Ledger;
  readonly #windows = new Map<string, { until: number; suppressed: number }>();
  readonly #now: () => number;

  constructor(ledger: Ledger, now: () => number = Date.now) {
    this.#ledger = ledger;
    this.#now = now;
  }

  /** Resolves when the entry, if one is due, is durable. */
  async record(d: ListenerDenial): Promise<void> {
    const who = d.principal?.id ?? '(no credential)';
    const key = JSON.stringify([d.listener, who, d.method, d.route, d.reason]);
    const now = this.#now();
    const window = this.#windows.get(key);
    if (window && window.until > now) {
      window.suppressed += 1;
      return;
    }
    if (this.#windows.size > 10_000) for (const [k, w] of this.#windows) if (w.until <= now) this.#windows.delete(k);
    this.#windows.set(key, { until: now + WINDOW_MS, suppressed: 0 });
    await this.#ledger.append({
      actor: d.principal ? actorOf(d.principal) : SYSTEM_ACTOR,
      entries: [
        {
          kind: 'access.denied_listener',
          subject: `listener:${d.listener}`,
          body: {
            listener: d.listener,
            reason: d.reason,
            method: d.method,
            route: d.route,
            group: d.group,
            client: d.client,
            principal: d.principal?.id ?? null,
            suppressedBefore: window?.suppressed ?? 0,
          },
        },
      ],
    });
  }
}
