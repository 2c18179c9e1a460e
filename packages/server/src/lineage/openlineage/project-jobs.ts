import type { Kysely } from 'kysely';
import type { Database, OlJobTable } from '../../store/schema.js';
import type { JobRef } from './event.js';
import { facetString, mergeFacets, parseFacets } from './facets.js';
import { nameKey } from './keys.js';
import { earlier, later, type Stamp } from './stamp.js';

/** The parent run facet's references (`run.facets.parent`), when an event has one. */
export interface ParentRef {
  readonly runId: string | null;
  readonly jobNamespace: string | null;
  readonly jobName: string | null;
}

export async function upsertJob(trx: Kysely<Database>, job: JobRef, stamp: Stamp, parent: ParentRef | undefined): Promise<OlJobTable> {
  const key = nameKey(job.namespace, job.name);
  const row = await trx.selectFrom('ol_jobs').selectAll().where('key', '=', key).executeTakeFirst();
  const facets = mergeFacets(row ? parseFacets(row.facets) : {}, job.facets);
  const processing = facetString(facets, 'jobType', 'processingType');
  const derived = {
    type: processing === undefined ? (row?.type ?? 'BATCH') : processing.toUpperCase() === 'STREAMING' ? ('STREAM' as const) : ('BATCH' as const),
    description: facetString(facets, 'documentation', 'description') ?? null,
    location: facetString(facets, 'sourceCodeLocation', 'url') ?? null,
    facets: JSON.stringify(facets),
    ...(parent ? { parent_job_namespace: parent.jobNamespace, parent_job_name: parent.jobName, parent_run_id: parent.runId } : {}),
  };
  if (!row) {
    const created: OlJobTable = {
      key,
      namespace: job.namespace,
      name: job.name,
      parent_job_namespace: null,
      parent_job_name: null,
      parent_run_id: null,
      ...derived,
      inputs: '[]',
      outputs: '[]',
      io_run_id: null,
      io_time: null,
      io_settled: 0,
      created_at: stamp.time,
      updated_at: stamp.time,
      ledger_index: stamp.index,
      updated_index: stamp.index,
    };
    await trx.insertInto('ol_jobs').values(created).execute();
    return created;
  }
  const updated = { ...derived, created_at: earlier(row.created_at, stamp.time), updated_at: later(row.updated_at, stamp.time), updated_index: stamp.index };
  await trx.updateTable('ol_jobs').set(updated).where('key', '=', key).execute();
  return { ...row, ...updated };
}

/** Datasets a run or a JobEvent proposes as a job's current inputs and outputs (dataset keys). */
export interface IoProposal {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** The run they come from; null for a JobEvent. */
  readonly runId: string | null;
  /** True when they are final for the job, as Marquez's job version: a run finished (COMPLETE, FAIL, ABORT), or a JobEvent. */
  readonly settles: boolean;
  readonly time: string;
}

/**
 * A job's current datasets, the edges of the lineage graph. Marquez takes them from the job's
 * current version, made when a run finishes (or by a JobEvent); we do the same, and a later
 * finished run (by eventTime) replaces an earlier one. Until a job has finished any run, its
 * latest run's datasets so far stand in, so running and streaming jobs appear in the graph too.
 * Events of the run that set the datasets keep them in step (e.g. an OTHER event after COMPLETE).
 */
export function nextIo(job: OlJobTable, proposal: IoProposal): Pick<OlJobTable, 'inputs' | 'outputs' | 'io_run_id' | 'io_time' | 'io_settled'> | undefined {
  const newer = job.io_time === null || proposal.time >= job.io_time;
  const io = { inputs: JSON.stringify([...new Set(proposal.inputs)].sort()), outputs: JSON.stringify([...new Set(proposal.outputs)].sort()) };
  if (proposal.settles && (job.io_settled === 0 || newer)) return { ...io, io_run_id: proposal.runId, io_time: proposal.time, io_settled: 1 };
  if (proposal.runId !== null && proposal.runId === job.io_run_id) return { ...io, io_run_id: job.io_run_id, io_time: job.io_time, io_settled: job.io_settled };
  if (job.io_settled === 0 && newer) return { ...io, io_run_id: proposal.runId, io_time: proposal.time, io_settled: 0 };
  return undefined;
}

export async function updateJobIo(trx: Kysely<Database>, job: OlJobTable, proposal: IoProposal): Promise<void> {
  const next = nextIo(job, proposal);
  if (!next || (Object.keys(next) as (keyof typeof next)[]).every((k) => next[k] === job[k])) return;
  await trx.updateTable('ol_jobs').set(next).where('key', '=', job.key).execute();
  if (next.inputs === job.inputs && next.outputs === job.outputs) return;
  await trx.deleteFrom('ol_job_io').where('job_key', '=', job.key).execute();
  const rows = [
    ...(JSON.parse(next.inputs) as string[]).map((dataset_key) => ({ job_key: job.key, dataset_key, io_type: 'INPUT' as const })),
    ...(JSON.parse(next.outputs) as string[]).map((dataset_key) => ({ job_key: job.key, dataset_key, io_type: 'OUTPUT' as const })),
  ];
  for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('ol_job_io').values(rows.slice(i, i + 1000)).execute();
}
