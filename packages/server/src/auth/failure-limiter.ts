interface Window {
  count: number;
  start: number;
}

/**
 * Failed authentications, counted in fixed windows per client address and per presented
 * credential (a hash of it, never the credential). It is consulted only once a credential has
 * failed: a valid credential is always served, so one bad client behind a reverse proxy's shared
 * address locks nobody else out. Past the limit a failing client, or a failing credential from
 * anywhere (a revoked token in a fleet of bots), is answered 429 until its window ends.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();
  /** Failed authentications counted by this process (a metric). */
  total = 0;

  constructor(limit = 20, windowMs = 60_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /**
   * Counts one failure of `client` (an address) and, when one was presented, of `credential` (its
   * hash); returns the milliseconds until either may fail without being throttled, or 0.
   */
  record(client: string, credential: string | undefined, now = Date.now()): number {
    this.total += 1;
    if (this.#windows.size > 100_000) this.#windows.clear(); // bounded memory under a spray of addresses
    const wait = this.#count(`a:${client}`, now);
    return credential === undefined ? wait : Math.max(wait, this.#count(`c:${credential}`, now));
  }

  #count(key: string, now: number): number {
    let w = this.#windows.get(key);
    if (!w || w.start + this.#windowMs <= now) {
      w = { count: 0, start: now };
      this.#windows.set(key, w);
    }
    w.count += 1;
    return w.count > this.#limit ? w.start + this.#windowMs - now : 0;
  }
}
