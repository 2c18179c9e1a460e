import { CairnError, type ApiErrorCode } from '../errors/catalog.js';
import type { Actor, JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Decision } from '../policy/index.js';

export interface RefusalEntry {
  readonly kind: string;
  readonly subject: string;
  readonly body: JsonObject;
}

/**
 * Records a refused decision as its own ledger entry, then throws it as a catalogue error whose
 * `details.ledgerIndex` names that entry. Every separation-of-duties refusal goes through here,
 * so a refusal the client sees is one the log holds; past the refusal limit (ledger/refusal-recorder.ts)
 * it is counted in an aggregate entry instead and `details.suppressed` is true.
 */
export async function refuse(ledger: Ledger, actor: Actor, entry: RefusalEntry, d: Decision, code: ApiErrorCode = 'separation_of_duties', message?: string, details: Record<string, unknown> = {}): Promise<never> {
  const recorded = await ledger.refusals.record(actor, { kind: entry.kind, subject: entry.subject, body: { ...entry.body, decision: d as unknown as JsonObject } });
  throw new CairnError(code, message ?? d.reasons.join('; '), { details: { ...details, decision: d, ...recorded } });
}

/** A refusal found inside a transaction (a race the pre-check missed): thrown there, recorded by `recordingRefusals` after the rollback. */
export class RefusalInTransaction extends Error {
  readonly decision: Decision;
  constructor(d: Decision) {
    super(d.reasons.join('; '));
    this.decision = d;
  }
}

/** Runs `write`; a RefusalInTransaction it throws is recorded (after its transaction rolled back) and thrown as a catalogue error. */
export async function recordingRefusals<T>(ledger: Ledger, actor: Actor, entry: RefusalEntry, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof RefusalInTransaction) return refuse(ledger, actor, entry, err.decision);
    throw err;
  }
}
