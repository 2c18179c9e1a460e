import type { Kysely } from 'kysely';
import { CairnError } from '../../errors/catalog.js';
import type { Database, OlDatasetTable, OlJobIoTable, OlJobTable, OlRunTable } from '../../store/schema.js';
import { datasetData, jobData } from './graph-data.js';
import { splitNameKey } from './keys.js';
import { nodeIdOf, parseNodeId } from './node-id.js';

export interface GraphEdge {
  readonly origin: string;
  readonly destination: string;
}

/** A node of Marquez's lineage graph. */
export interface GraphNode {
  readonly id: string;
  readonly type: 'DATASET' | 'JOB';
  readonly data: Record<string, unknown>;
  readonly inEdges: readonly GraphEdge[];
  readonly outEdges: readonly GraphEdge[];
}

export const DEFAULT_DEPTH = 20;
export const MAX_DEPTH = 100;
const CHUNK = 500;

/**
 * Marquez's `GET /api/v1/lineage?nodeId=…&depth=…`. As in Marquez (`LineageDao.getLineage`), the
 * walk goes from job to job through the datasets they share, whatever the direction — a job is
 * one step from the jobs that write what it reads, read what it writes, and also read or write
 * the same datasets — for at most `depth` steps; the graph holds those jobs and all their current
 * datasets, with edges input dataset → job → output dataset. A dataset node starts from every job
 * that currently reads or writes it (Marquez picks one of them); a dataset no job touches is a
 * graph of itself alone. Unknown node: 404 `lineage_node_not_found`.
 *
 * @example
 * const { graph } = await lineageGraph(store.db, 'job:grandmas.kitchen:prepare_apple_pie', 2);
 */
export async function lineageGraph(db: Kysely<Database>, nodeId: string, depth = DEFAULT_DEPTH): Promise<{ graph: GraphNode[] }> {
  const ref = parseNodeId(nodeId);
  const key = await resolve(db, ref.type, ref.keys);
  if (key === undefined) throw new CairnError('lineage_node_not_found', `no ${ref.type === 'JOB' ? 'job' : 'dataset'} has the node id ${JSON.stringify(nodeId)}`);

  const start = ref.type === 'JOB' ? [key] : unique((await io(db, 'dataset_key', [key])).map((r) => r.job_key));
  const jobs = new Set(start);
  const expanded = new Set<string>();
  let frontier = start;
  for (let step = 0; step < depth && frontier.length > 0; step++) {
    const datasets = unique((await io(db, 'job_key', frontier)).map((r) => r.dataset_key)).filter((d) => !expanded.has(d));
    for (const d of datasets) expanded.add(d);
    frontier = unique((await io(db, 'dataset_key', datasets)).map((r) => r.job_key)).filter((j) => !jobs.has(j));
    for (const j of frontier) jobs.add(j);
  }

  const ioRows = await io(db, 'job_key', [...jobs]);
  const edges = ioRows.map((r) => {
    const job = nodeIdOf('JOB', ...names(r.job_key));
    const dataset = nodeIdOf('DATASET', ...names(r.dataset_key));
    return r.io_type === 'INPUT' ? { origin: dataset, destination: job } : { origin: job, destination: dataset };
  });
  const datasetKeys = unique([...(ref.type === 'DATASET' ? [key] : []), ...ioRows.map((r) => r.dataset_key)]);
  const [jobRows, datasetRows, runs] = await Promise.all([rows(db, 'ol_jobs', [...jobs]), rows(db, 'ol_datasets', datasetKeys), latestRuns(db, [...jobs])]);

  const nodes: GraphNode[] = [
    ...(jobRows as OlJobTable[]).map((row) => node('JOB', nodeIdOf('JOB', row.namespace, row.name), jobData(row, runs.get(row.key)), edges)),
    ...(datasetRows as OlDatasetTable[]).map((row) => node('DATASET', nodeIdOf('DATASET', row.namespace, row.name), datasetData(row), edges)),
  ];
  return { graph: nodes.sort((a, b) => compare(a.id, b.id)) };
}

async function resolve(db: Kysely<Database>, type: 'DATASET' | 'JOB', keys: readonly string[]): Promise<string | undefined> {
  const found = new Set((await rows(db, type === 'JOB' ? 'ol_jobs' : 'ol_datasets', keys)).map((r) => r.key));
  return keys.find((k) => found.has(k));
}

function node(type: 'DATASET' | 'JOB', id: string, data: Record<string, unknown>, edges: readonly GraphEdge[]): GraphNode {
  const sorted = (list: GraphEdge[]) => list.sort((a, b) => compare(a.origin, b.origin) || compare(a.destination, b.destination));
  return { id, type, data, inEdges: sorted(edges.filter((e) => e.destination === id)), outEdges: sorted(edges.filter((e) => e.origin === id)) };
}

async function io(db: Kysely<Database>, column: 'job_key' | 'dataset_key', keys: readonly string[]): Promise<OlJobIoTable[]> {
  const out: OlJobIoTable[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    out.push(...(await db.selectFrom('ol_job_io').selectAll().where(column, 'in', keys.slice(i, i + CHUNK)).execute()));
  }
  return out;
}

async function rows(db: Kysely<Database>, table: 'ol_jobs' | 'ol_datasets', keys: readonly string[]): Promise<(OlJobTable | OlDatasetTable)[]> {
  const out: (OlJobTable | OlDatasetTable)[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    out.push(...(table === 'ol_jobs' ? await db.selectFrom('ol_jobs').selectAll().where('key', 'in', chunk).execute() : await db.selectFrom('ol_datasets').selectAll().where('key', 'in', chunk).execute()));
  }
  return out;
}

/** Each job's latest run: the one created last (Marquez's `latestRun`). */
async function latestRuns(db: Kysely<Database>, jobKeys: readonly string[]): Promise<Map<string, OlRunTable>> {
  const latest = new Map<string, OlRunTable>();
  for (let i = 0; i < jobKeys.length; i += CHUNK) {
    const chunk = jobKeys.slice(i, i + CHUNK);
    const newest = db.selectFrom('ol_runs').select(({ fn }) => ['job_key', fn.max('created_at').as('created_at')]).where('job_key', 'in', chunk).groupBy('job_key');
    const runs = await db
      .selectFrom('ol_runs')
      .innerJoin(newest.as('newest'), (join) => join.onRef('newest.job_key', '=', 'ol_runs.job_key').onRef('newest.created_at', '=', 'ol_runs.created_at'))
      .selectAll('ol_runs')
      .orderBy('ol_runs.run_id')
      .execute();
    for (const run of runs) latest.set(run.job_key, run);
  }
  return latest;
}

function names(key: string): [string, string] {
  const { namespace, name } = splitNameKey(key);
  return [namespace, name];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Code-unit order, the same on every platform and store. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
