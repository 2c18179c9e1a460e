import { sql, type Kysely } from 'kysely';
import type { Database, OlDatasetTable } from '../../store/schema.js';
import type { DatasetRef, Facets } from './event.js';
import { facetString, mergeFacets, parseFacets, schemaFields } from './facets.js';
import { datasetVersionId, nameKey } from './keys.js';
import { earlier, later, type Stamp } from './stamp.js';

/**
 * Creates or updates a dataset from one mention of it (as an input, an output, or a DatasetEvent):
 * the facets merge, and the columns Marquez exposes (fields, description, source) follow them.
 * `version`, for an output, is the version the writing run makes: it becomes the current one.
 */
export async function upsertDataset(trx: Kysely<Database>, ds: DatasetRef, stamp: Stamp, version?: string): Promise<OlDatasetTable> {
  const key = nameKey(ds.namespace, ds.name);
  const row = await trx.selectFrom('ol_datasets').selectAll().where('key', '=', key).executeTakeFirst();
  const facets = mergeFacets(row ? parseFacets(row.facets) : {}, ds.facets);
  const derived = {
    type: datasetType(facets),
    source_name: facetString(facets, 'dataSource', 'name') ?? 'default',
    description: facetString(facets, 'documentation', 'description') ?? null,
    fields: JSON.stringify(schemaFields(facets)),
    facets: JSON.stringify(facets),
    column_lineage: facets['columnLineage'] ? JSON.stringify(facets['columnLineage']) : null,
    ...(version === undefined ? {} : { current_version: version }),
  };
  if (!row) {
    const created: OlDatasetTable = {
      key,
      namespace: ds.namespace,
      name: ds.name,
      physical_name: ds.name,
      current_version: null,
      ...derived,
      created_at: stamp.time,
      updated_at: stamp.time,
      last_modified_at: null,
      ledger_index: stamp.index,
      updated_index: stamp.index,
    };
    await trx.insertInto('ol_datasets').values(created).execute();
    return created;
  }
  const updated = { ...derived, created_at: earlier(row.created_at, stamp.time), updated_at: later(row.updated_at, stamp.time), updated_index: stamp.index };
  await trx.updateTable('ol_datasets').set(updated).where('key', '=', key).execute();
  return { ...row, ...updated };
}

/**
 * The version of `ds` that run `runId` made by writing it (one per run, whatever the number of
 * events): its fields and facets as of this event. `dataset` is the row `upsertDataset` returned.
 */
export async function writeDatasetVersion(trx: Kysely<Database>, ds: DatasetRef, dataset: OlDatasetTable, runId: string, stamp: Stamp): Promise<string> {
  const version = datasetVersionId(ds.namespace, ds.name, runId);
  const row = await trx.selectFrom('ol_dataset_versions').selectAll().where('version', '=', version).executeTakeFirst();
  const facets = mergeFacets(row ? parseFacets(row.facets) : {}, ds.facets);
  const columns = {
    fields: facets['schema'] ? JSON.stringify(schemaFields(facets)) : dataset.fields,
    facets: JSON.stringify(facets),
    output_facets: JSON.stringify(mergeFacets(row ? parseFacets(row.output_facets) : {}, ds.outputFacets)),
    column_lineage: facets['columnLineage'] ? JSON.stringify(facets['columnLineage']) : null,
  };
  if (row) {
    await trx.updateTable('ol_dataset_versions').set({ ...columns, created_at: earlier(row.created_at, stamp.time), updated_at: later(row.updated_at, stamp.time), updated_index: stamp.index }).where('version', '=', version).execute();
  } else {
    await trx
      .insertInto('ol_dataset_versions')
      .values({ version, dataset_key: dataset.key, run_id: runId, ...columns, created_at: stamp.time, updated_at: stamp.time, ledger_index: stamp.index, updated_index: stamp.index })
      .execute();
  }
  return version;
}

/** A completed run modified its outputs at the time it completed. */
export async function markModified(trx: Kysely<Database>, keys: readonly string[], stamp: Stamp): Promise<void> {
  if (keys.length === 0) return;
  await trx
    .updateTable('ol_datasets')
    .set({ last_modified_at: sql<string>`case when last_modified_at is null or last_modified_at < ${stamp.time} then ${stamp.time} else last_modified_at end` })
    .where('key', 'in', [...keys])
    .execute();
}

/** Marquez's two dataset types: a stream when the `datasetType` facet says so, else a table. */
function datasetType(facets: Facets): OlDatasetTable['type'] {
  const declared = facetString(facets, 'datasetType', 'datasetType') ?? '';
  return /^(stream|topic)$/i.test(declared) ? 'STREAM' : 'DB_TABLE';
}
