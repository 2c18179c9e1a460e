import type { Principal } from '../auth/principal.js';
import type { WriteRate, WriteRates } from './write-rates.js';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per principal for writes. O(1) a request and no allocation once a principal's
 * bucket exists (the append path is benchmarked). Per process: with several replicas each
 * applies its own limit.
 */
export class WriteLimiter {
  readonly #rates: WriteRates;
  readonly #buckets = new Map<string, Bucket>();
  /** Writes refused by this process (a metric). */
  refused = 0;

  constructor(rates: WriteRates) {
    this.#rates = rates;
  }

  /** Takes one write from the principal's bucket: 0 if allowed, else the milliseconds until one is. */
  take(principal: Principal, now = performance.now()): number {
    const rate = this.#rateOf(principal);
    let bucket = this.#buckets.get(principal.id);
    if (!bucket) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      bucket = { tokens: rate.burst, at: now };
      this.#buckets.set(principal.id, bucket);
    } else {
      bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) * rate.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    this.refused += 1;
    return Math.ceil(((1 - bucket.tokens) * 1000) / rate.perSecond);
  }

  /** The most generous of the principal's roles that has a limit of its own, else the default. */
  #rateOf(principal: Principal): WriteRate {
    let best: WriteRate | undefined;
    for (const role of principal.roles) {
      const r = this.#rates.roles[role];
      if (r && (!best || r.perSecond > best.perSecond)) best = r;
    }
    return best ?? this.#rates.default;
  }
}
