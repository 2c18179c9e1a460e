import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { OpenLineageEvent } from './event.js';
import { nameKey } from './keys.js';
import { upsertDataset } from './project-datasets.js';
import { updateJobIo, upsertJob } from './project-jobs.js';
import { projectRunEvent } from './project-runs.js';
import type { Stamp } from './stamp.js';

/**
 * Stores an accepted event, unless it is stored already: false then, and nothing is written.
 * Runs inside the ledger transaction, so two deliveries of one event cannot both store it.
 */
export async function recordEvent(trx: Kysely<Database>, event: OpenLineageEvent, stamp: Stamp, receivedAt: string): Promise<boolean> {
  const result = await trx
    .insertInto('ol_events')
    .values({
      event_hash: event.hash,
      kind: event.kind,
      event_type: event.eventType,
      event_time: stamp.time,
      run_id: event.run?.runId ?? null,
      job_key: event.job ? nameKey(event.job.namespace, event.job.name) : null,
      dataset_key: event.dataset ? nameKey(event.dataset.namespace, event.dataset.name) : null,
      producer: event.producer,
      event: event.canonical,
      received_at: receivedAt,
      ledger_index: stamp.index,
    })
    .onConflict((oc) => oc.column('event_hash').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/**
 * Writes an event's projection, inside the ledger transaction that records it (the `apply` of
 * `ledger.append`): namespaces, jobs, runs and datasets as Marquez models them.
 */
export async function projectEvent(trx: Kysely<Database>, event: OpenLineageEvent, stamp: Stamp): Promise<void> {
  const namespaces = [...new Set([event.job?.namespace, event.dataset?.namespace, ...event.inputs.map((d) => d.namespace), ...event.outputs.map((d) => d.namespace)])];
  await touchNamespaces(trx, namespaces.filter((n): n is string => n !== undefined), stamp);

  if (event.kind === 'RunEvent') {
    await projectRunEvent(trx, event, stamp);
  } else if (event.kind === 'JobEvent') {
    // Static lineage: the job declares its datasets, as a finished run would (Marquez makes a job version).
    const job = await upsertJob(trx, event.job!, stamp, undefined);
    for (const ds of [...event.inputs, ...event.outputs]) await upsertDataset(trx, ds, stamp);
    await updateJobIo(trx, job, {
      inputs: event.inputs.map((d) => nameKey(d.namespace, d.name)),
      outputs: event.outputs.map((d) => nameKey(d.namespace, d.name)),
      runId: null,
      settles: true,
      time: stamp.time,
    });
  } else {
    await upsertDataset(trx, event.dataset!, stamp);
  }
}

/** One statement for an event's namespaces: created if new, their time span widened if not. */
async function touchNamespaces(trx: Kysely<Database>, names: readonly string[], stamp: Stamp): Promise<void> {
  for (let i = 0; i < names.length; i += 1000) {
    await trx
      .insertInto('ol_namespaces')
      .values(names.slice(i, i + 1000).map((name) => ({ name, created_at: stamp.time, updated_at: stamp.time, ledger_index: stamp.index })))
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          created_at: sql<string>`case when excluded.created_at < ol_namespaces.created_at then excluded.created_at else ol_namespaces.created_at end`,
          updated_at: sql<string>`case when excluded.updated_at > ol_namespaces.updated_at then excluded.updated_at else ol_namespaces.updated_at end`,
        }),
      )
      .execute();
  }
}
