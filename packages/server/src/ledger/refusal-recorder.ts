import type { AppendRequest, AppendResult } from './appender.js';
import { rfc3339, type Actor, type EntryInput, type JsonObject } from './entry.js';

/** What a caller learns of a recorded refusal: its entry, or that it was only counted. */
export type RefusalRecord = { readonly ledgerIndex: number } | { readonly suppressed: true };

export interface RefusalLimits {
  /** Entries written one by one per principal, refusal kind and subject in a window. */
  readonly perSubject: number;
  /** Entries written one by one per principal in a window, whatever the kind and subject. */
  readonly perPrincipal: number;
  readonly windowMs: number;
}

export const DEFAULT_REFUSAL_LIMITS: RefusalLimits = { perSubject: 5, perPrincipal: 20, windowMs: 60_000 };

/** Distinct (kind, subject) pairs an aggregate lists; the rest are summed under `others`. */
const MAX_LISTED = 100;

interface Counted {
  readonly kind: string;
  readonly subject: string | null;
  count: number;
  readonly first: number;
  last: number;
}

interface Window {
  readonly start: number;
  readonly actor: Actor;
  written: number;
  readonly perSubject: Map<string, number>;
  readonly counted: Map<string, Counted>;
  others: number;
  total: number;
}

/**
 * Refusals are recorded, but nobody may flood the ledger through them (an auditor sending
 * denied break-glass requests in a loop once wrote 20 000 entries in 9 s). Per principal, in
 * fixed windows, the first few refusals of each kind and subject are written one by one; the
 * rest are counted and written as one `refusals.suppressed` entry when the window closes (seen
 * within two windows) or when the server stops. So a principal writes at most
 * `perPrincipal + 1` refusal entries a window, however fast it is refused. Per process.
 */
export class RefusalRecorder {
  readonly #append: (request: AppendRequest) => Promise<AppendResult>;
  readonly #limits: RefusalLimits;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  readonly #pending = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #onError: (err: unknown) => void = () => {};
  /** Refusals counted rather than written (a metric). */
  suppressed = 0;

  constructor(append: (request: AppendRequest) => Promise<AppendResult>, limits: RefusalLimits = DEFAULT_REFUSAL_LIMITS, now: () => number = Date.now) {
    this.#append = append;
    this.#limits = limits;
    this.#now = now;
  }

  /** Where a failed aggregate write is reported (the server log). */
  set onError(report: (err: unknown) => void) {
    this.#onError = report;
  }

  /** Writes the refusal as its own entry, or counts it when the principal has been refused often lately. */
  async record(actor: Actor, entry: EntryInput): Promise<RefusalRecord> {
    const now = this.#now();
    let w = this.#windows.get(actor.id);
    if (w && w.start + this.#limits.windowMs <= now) {
      this.#close(actor.id, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, actor, written: 0, perSubject: new Map(), counted: new Map(), others: 0, total: 0 };
      this.#windows.set(actor.id, w);
      this.#timer ??= setInterval(() => this.#sweep(), this.#limits.windowMs).unref();
    }
    const key = `${entry.kind}\u0000${entry.subject ?? ''}`;
    const n = w.perSubject.get(key) ?? 0;
    if (n < this.#limits.perSubject && w.written < this.#limits.perPrincipal) {
      w.perSubject.set(key, n + 1);
      w.written += 1;
      const recorded = await this.#append({ actor, entries: [entry] });
      return { ledgerIndex: recorded.entries[0]!.index };
    }
    this.suppressed += 1;
    w.total += 1;
    const counted = w.counted.get(key);
    if (counted) {
      counted.count += 1;
      counted.last = now;
    } else if (w.counted.size < MAX_LISTED) {
      w.counted.set(key, { kind: entry.kind, subject: entry.subject ?? null, count: 1, first: now, last: now });
    } else {
      w.others += 1;
    }
    return { suppressed: true };
  }

  /** Writes the aggregate of every window now (at shutdown, or for a test) and waits for them all. */
  async flush(): Promise<void> {
    for (const [id, w] of [...this.#windows]) this.#close(id, w);
    clearInterval(this.#timer);
    this.#timer = undefined;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, w] of [...this.#windows]) if (w.start + this.#limits.windowMs <= now) this.#close(id, w);
    if (this.#windows.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #close(id: string, w: Window): void {
    this.#windows.delete(id);
    if (w.total === 0) return;
    const refusals = [...w.counted.values()].map((c) => ({ kind: c.kind, subject: c.subject, count: c.count, first: rfc3339(c.first), last: rfc3339(c.last) }));
    const body: JsonObject = { principal: id, from: rfc3339(w.start), to: rfc3339(Math.min(this.#now(), w.start + this.#limits.windowMs)), total: w.total, refusals, others: w.others };
    const write = this.#append({ actor: w.actor, entries: [{ kind: 'refusals.suppressed', subject: `principal:${id}`, body }] }).catch(this.#onError);
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }
}
