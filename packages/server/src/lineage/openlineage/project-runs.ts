import type { Kysely } from 'kysely';
import type { Database, OlRunTable } from '../../store/schema.js';
import type { Facets, OpenLineageEvent } from './event.js';
import { facetString, mergeFacets, parseFacets } from './facets.js';
import { datasetVersionId, nameKey } from './keys.js';
import { markModified, upsertDataset, writeDatasetVersion } from './project-datasets.js';
import { updateJobIo, upsertJob, type ParentRef } from './project-jobs.js';
import { finishesRun, isTerminal, nextState } from './run-state.js';
import { earlier, later, type Stamp } from './stamp.js';

/** A dataset a run read or wrote, and the version: current when read, made by the run when written. */
export interface RunDataset {
  readonly namespace: string;
  readonly name: string;
  readonly version: string | null;
}

/**
 * A RunEvent's projection: its job, its run (state, facets, parent, nominal times), the datasets
 * it read (with the version current then) and wrote (each gets this run's version), and the
 * job's current datasets.
 */
export async function projectRunEvent(trx: Kysely<Database>, event: OpenLineageEvent, stamp: Stamp): Promise<void> {
  const run = event.run!;
  const parent = parentOf(run.facets);
  const job = await upsertJob(trx, event.job!, stamp, parent);
  const existing = await trx.selectFrom('ol_runs').selectAll().where('run_id', '=', run.runId).executeTakeFirst();
  // A run belongs to the job of its first event.
  const owner = existing && existing.job_key !== job.key ? ((await trx.selectFrom('ol_jobs').selectAll().where('key', '=', existing.job_key).executeTakeFirst()) ?? job) : job;

  const read: RunDataset[] = [];
  for (const ds of event.inputs) {
    const dataset = await upsertDataset(trx, ds, stamp);
    read.push({ namespace: ds.namespace, name: ds.name, version: dataset.current_version });
  }
  const written: RunDataset[] = [];
  for (const ds of event.outputs) {
    const dataset = await upsertDataset(trx, ds, stamp, datasetVersionId(ds.namespace, ds.name, run.runId));
    written.push({ namespace: ds.namespace, name: ds.name, version: await writeDatasetVersion(trx, ds, dataset, run.runId, stamp) });
  }
  const inputs = mergeDatasets(existing ? (JSON.parse(existing.inputs) as RunDataset[]) : [], read, false);
  const outputs = mergeDatasets(existing ? (JSON.parse(existing.outputs) as RunDataset[]) : [], written, true);

  const facets = mergeFacets(existing ? parseFacets(existing.facets) : {}, run.facets);
  const state = nextState(existing ? { state: existing.state, time: existing.state_time } : undefined, event.eventType, stamp.time);
  const starts = event.eventType === 'START' || event.eventType === 'RUNNING';
  const columns = {
    ...(state ? { state: state.state, state_time: state.time } : {}),
    ...(parent ? { parent_run_id: parent.runId, parent_job_namespace: parent.jobNamespace, parent_job_name: parent.jobName } : {}),
    nominal_start_time: facetString(facets, 'nominalTime', 'nominalStartTime') ?? null,
    nominal_end_time: facetString(facets, 'nominalTime', 'nominalEndTime') ?? null,
    facets: JSON.stringify(facets),
    inputs: JSON.stringify(inputs),
    outputs: JSON.stringify(outputs),
  };
  if (existing) {
    await trx
      .updateTable('ol_runs')
      .set({
        ...columns,
        ...(starts ? { started_at: earlier(existing.started_at, stamp.time) } : {}),
        ...(state && isTerminal(state.state) ? { ended_at: stamp.time } : {}),
        created_at: earlier(existing.created_at, stamp.time),
        updated_at: later(existing.updated_at, stamp.time),
        updated_index: stamp.index,
      })
      .where('run_id', '=', run.runId)
      .execute();
  } else {
    const created: OlRunTable = {
      run_id: run.runId,
      job_key: job.key,
      state: 'NEW',
      state_time: null,
      parent_run_id: null,
      parent_job_namespace: null,
      parent_job_name: null,
      ...columns,
      started_at: starts ? stamp.time : null,
      ended_at: state && isTerminal(state.state) ? stamp.time : null,
      created_at: stamp.time,
      updated_at: stamp.time,
      ledger_index: stamp.index,
      updated_index: stamp.index,
    };
    await trx.insertInto('ol_runs').values(created).execute();
  }
  if (state && state.state !== existing?.state) {
    await trx.insertInto('ol_run_states').values({ run_id: run.runId, state: state.state, event_time: stamp.time, ledger_index: stamp.index }).execute();
  }
  if (event.eventType === 'COMPLETE') await markModified(trx, outputs.map((o) => nameKey(o.namespace, o.name)), stamp);
  await updateJobIo(trx, owner, {
    inputs: inputs.map((d) => nameKey(d.namespace, d.name)),
    outputs: outputs.map((d) => nameKey(d.namespace, d.name)),
    runId: run.runId,
    settles: finishesRun(event.eventType),
    time: stamp.time,
  });
}

/** The union of what a run read or wrote across its events; a write's version is the latest, a read's the first seen. */
function mergeDatasets(known: RunDataset[], seen: RunDataset[], latestVersion: boolean): RunDataset[] {
  const byKey = new Map(known.map((d) => [nameKey(d.namespace, d.name), d]));
  for (const d of seen) {
    const key = nameKey(d.namespace, d.name);
    const before = byKey.get(key);
    byKey.set(key, before && !latestVersion ? { ...before, version: before.version ?? d.version } : d);
  }
  return [...byKey.values()];
}

/** The parent run facet (ParentRunFacet: `run.runId`, `job.namespace`, `job.name`), if present. */
function parentOf(facets: Facets): ParentRef | undefined {
  const parent = facets['parent'];
  if (!parent || parent['_deleted'] === true) return undefined;
  const str = (value: unknown) => (typeof value === 'string' ? value : null);
  const run = parent['run'] as Record<string, unknown> | undefined;
  const job = parent['job'] as Record<string, unknown> | undefined;
  const runId = str(run?.['runId']);
  return { runId: runId === null ? null : runId.toLowerCase(), jobNamespace: str(job?.['namespace']), jobName: str(job?.['name']) };
}
