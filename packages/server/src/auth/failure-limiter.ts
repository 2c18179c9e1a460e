/**
 * Counts failed authentications per source address in a sliding window and refuses a source
 * that exceeds the limit until its oldest failure leaves the window.
 */
export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();
  total = 0;

  constructor(limit = 20, windowMs = 60_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Milliseconds until `source` may try again, or 0 if it may now. */
  retryAfter(source: string, now = Date.now()): number {
    const times = this.#recent(source, now);
    if (times.length < this.#limit) return 0;
    return times[0]! + this.#windowMs - now;
  }

  record(source: string, now = Date.now()): void {
    this.total += 1;
    const times = this.#recent(source, now);
    times.push(now);
    this.#failures.set(source, times);
    if (this.#failures.size > 100_000) this.#failures.clear();
  }

  #recent(source: string, now: number): number[] {
    const times = this.#failures.get(source) ?? [];
    while (times.length > 0 && times[0]! <= now - this.#windowMs) times.shift();
    return times;
  }
}
