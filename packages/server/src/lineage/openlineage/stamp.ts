/** When and by which ledger entry a projection row was written. */
export interface Stamp {
  /** The event's time (RFC 3339 UTC, nine fraction digits: text order is time order). */
  readonly time: string;
  readonly index: number;
}

/** The later of two stored times. */
export function later(a: string | null, b: string): string {
  return a !== null && a > b ? a : b;
}

/** The earlier of two stored times. */
export function earlier(a: string | null, b: string): string {
  return a !== null && a < b ? a : b;
}
