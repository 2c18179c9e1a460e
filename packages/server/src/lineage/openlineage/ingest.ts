import type { Actor, EntryInput, JsonObject } from '../../ledger/entry.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Store } from '../../store/store.js';
import { displayTime } from './event-time.js';
import type { OpenLineageEvent } from './event.js';
import { qualifiedName } from './keys.js';
import { parseOpenLineageEvent } from './parse-event.js';
import { projectEvent, recordEvent } from './project.js';
import type { ValidationOptions } from './validator.js';

/** The ledger kind of an accepted OpenLineage event. */
export const OPENLINEAGE_ENTRY_KIND = 'lineage.openlineage';

export interface IngestResult {
  /** `sha256:` + hex of the event's RFC 8785 canonical JSON: its identity. */
  readonly eventHash: string;
  /** True when this exact event was already stored: nothing was written this time. */
  readonly duplicate: boolean;
  /** The ledger entry that recorded the event (the earlier one for a duplicate). */
  readonly ledgerIndex: number;
}

export type IngestOptions = ValidationOptions;

/** Thrown inside the transaction when the event turned out to be stored already; never escapes. */
class AlreadyStored extends Error {
  constructor(readonly ledgerIndex: number) {
    super('already stored');
  }
}

/**
 * Stores one OpenLineage event exactly as Marquez's `POST /api/v1/lineage` accepts it, and records
 * it in the ledger: one `lineage.openlineage` entry whose body summarises the event and commits to
 * it by hash (never the event itself, which may carry SQL or sample values), written in the same
 * transaction as the event row and its projection. Delivering the same event again (same
 * canonical JSON) stores nothing and resolves with `duplicate: true`; clients retry, and that must
 * not grow the ledger.
 *
 * `body` is the parsed JSON body; an invalid one throws `CairnError('lineage_event_invalid')`.
 *
 * @example
 * const { eventHash, duplicate } = await ingestOpenLineage(cairn, SYSTEM_ACTOR, JSON.parse(text));
 */
export async function ingestOpenLineage(
  services: { readonly store: Store; readonly ledger: Ledger },
  actor: Actor,
  body: unknown,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const event = parseOpenLineageEvent(body, options);
  const stored = await storedIndex(services.store, event.hash);
  if (stored !== undefined) return { eventHash: event.hash, duplicate: true, ledgerIndex: stored };
  try {
    const result = await services.ledger.append({
      actor,
      entries: [entryOf(event)],
      apply: async (trx, [appended]) => {
        // Checked again inside the transaction: two deliveries racing past the check above are
        // serialised here (the ledger's write lock), and the second writes nothing.
        const stamp = { time: event.eventTime.utc, index: appended!.index };
        if (!(await recordEvent(trx, event, stamp, appended!.entry.time))) {
          const row = await trx.selectFrom('ol_events').select('ledger_index').where('event_hash', '=', event.hash).executeTakeFirstOrThrow();
          throw new AlreadyStored(Number(row.ledger_index));
        }
        await projectEvent(trx, event, stamp);
      },
    });
    return { eventHash: event.hash, duplicate: false, ledgerIndex: result.entries[0]!.index };
  } catch (err) {
    if (err instanceof AlreadyStored) return { eventHash: event.hash, duplicate: true, ledgerIndex: err.ledgerIndex };
    throw err;
  }
}

async function storedIndex(store: Store, hash: string): Promise<number | undefined> {
  const row = await store.db.selectFrom('ol_events').select('ledger_index').where('event_hash', '=', hash).executeTakeFirst();
  return row ? Number(row.ledger_index) : undefined;
}

/**
 * The ledger entry: what happened to which run, job or dataset, and the hash of the full event
 * (kept in `ol_events`), so the event can later be shown to be the one recorded.
 */
export function entryOf(event: OpenLineageEvent): EntryInput {
  const body: JsonObject = {
    eventHash: event.hash,
    type: event.kind,
    eventType: event.eventType,
    eventTime: displayTime(event.eventTime.utc),
    producer: event.producer,
  };
  if (event.job) body['job'] = { namespace: event.job.namespace, name: event.job.name };
  if (event.run) body['run'] = { runId: event.run.runId };
  if (event.dataset) body['dataset'] = qualifiedName(event.dataset);
  body['inputs'] = event.inputs.map(qualifiedName);
  body['outputs'] = event.outputs.map(qualifiedName);
  const subject = event.run
    ? `openlineage-run:${event.run.runId}`
    : event.job
      ? `openlineage-job:${qualifiedName(event.job)}`
      : `openlineage-dataset:${qualifiedName(event.dataset!)}`;
  return { kind: OPENLINEAGE_ENTRY_KIND, subject, body };
}
