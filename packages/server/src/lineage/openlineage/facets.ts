import type { JsonObject, JsonValue } from '../../ledger/entry.js';
import type { Facets } from './event.js';

/** A dataset field as Marquez returns it. */
export interface Field {
  readonly name: string;
  readonly type: string | null;
  readonly tags: readonly string[];
  readonly description: string | null;
}

/**
 * The latest value of each facet: later facets replace earlier ones of the same name, and a facet
 * with `_deleted: true` removes it (OpenLineage's deletion marker for job and dataset facets).
 */
export function mergeFacets(current: Facets, update: Facets): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = { ...current };
  for (const [name, facet] of Object.entries(update)) {
    if (facet['_deleted'] === true) delete out[name];
    else out[name] = facet;
  }
  return out;
}

export function parseFacets(json: string): Facets {
  return JSON.parse(json) as Facets;
}

/** A string member of a facet, if the facet is there and the member is a string. */
export function facetString(facets: Facets, facet: string, member: string): string | undefined {
  const value = facets[facet]?.[member];
  return typeof value === 'string' ? value : undefined;
}

/** The `schema` facet's fields (validated by SchemaDatasetFacet: each has a string `name`). */
export function schemaFields(facets: Facets): Field[] {
  const fields = facets['schema']?.['fields'];
  if (!Array.isArray(fields)) return [];
  return fields.filter(isObject).map((f) => ({
    name: String(f['name']),
    type: typeof f['type'] === 'string' ? f['type'] : null,
    tags: [],
    description: typeof f['description'] === 'string' ? f['description'] : null,
  }));
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
