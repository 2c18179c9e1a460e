import type { OlDatasetTable, OlJobTable, OlRunTable } from '../../store/schema.js';
import { displayTime } from './event-time.js';
import { splitNameKey } from './keys.js';
import type { RunDataset } from './project-runs.js';

/**
 * The `data` of graph nodes, in the shapes Marquez returns (`marquez-responses/lineage_node.json`,
 * Marquez web `types/api.ts`). Times are RFC 3339 UTC.
 */

export function datasetData(row: OlDatasetTable): Record<string, unknown> {
  return {
    id: { namespace: row.namespace, name: row.name },
    type: row.type,
    name: row.name,
    physicalName: row.physical_name,
    createdAt: displayTime(row.created_at),
    updatedAt: displayTime(row.updated_at),
    namespace: row.namespace,
    sourceName: row.source_name,
    fields: JSON.parse(row.fields),
    tags: [],
    lastModifiedAt: row.last_modified_at === null ? null : displayTime(row.last_modified_at),
    description: row.description,
    facets: JSON.parse(row.facets),
    currentVersion: row.current_version,
    deleted: false,
  };
}

export function jobData(row: OlJobTable, latestRun: OlRunTable | undefined): Record<string, unknown> {
  const simpleName = row.parent_job_name !== null && row.name.startsWith(`${row.parent_job_name}.`) ? row.name.slice(row.parent_job_name.length + 1) : row.name;
  return {
    id: { namespace: row.namespace, name: row.name },
    type: row.type,
    name: row.name,
    simpleName,
    createdAt: displayTime(row.created_at),
    updatedAt: displayTime(row.updated_at),
    namespace: row.namespace,
    inputs: (JSON.parse(row.inputs) as string[]).map(splitNameKey),
    outputs: (JSON.parse(row.outputs) as string[]).map(splitNameKey),
    location: row.location,
    description: row.description,
    latestRun: latestRun ? runData(latestRun) : null,
    tags: [],
    parentJobName: row.parent_job_name,
    parentJobUuid: null,
    facets: JSON.parse(row.facets),
  };
}

export function runData(row: OlRunTable): Record<string, unknown> {
  const versions = (json: string) =>
    (JSON.parse(json) as RunDataset[]).filter((d) => d.version !== null).map((d) => ({ datasetVersionId: { namespace: d.namespace, name: d.name, version: d.version }, facets: {} }));
  return {
    id: row.run_id,
    createdAt: displayTime(row.created_at),
    updatedAt: displayTime(row.updated_at),
    nominalStartTime: row.nominal_start_time,
    nominalEndTime: row.nominal_end_time,
    state: row.state,
    startedAt: row.started_at === null ? null : displayTime(row.started_at),
    endedAt: row.ended_at === null ? null : displayTime(row.ended_at),
    durationMs: row.started_at !== null && row.ended_at !== null ? millis(row.ended_at) - millis(row.started_at) : null,
    args: {},
    inputDatasetVersions: versions(row.inputs),
    outputDatasetVersions: versions(row.outputs),
    context: {},
    facets: JSON.parse(row.facets),
    parentRunId: row.parent_run_id,
  };
}

/** Milliseconds since the epoch of a stored time (its first three fraction digits). */
function millis(utc: string): number {
  return Date.parse(`${utc.slice(0, 23)}Z`);
}
