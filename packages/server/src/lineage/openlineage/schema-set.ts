import { openLineageSchemas } from './schemas/schema-files.js';
import type { SchemaDocument } from './schemas/schema-document.js';

/** Where a facet may appear, from the core definition its schema extends. */
export type FacetPlace = 'run' | 'job' | 'dataset' | 'input' | 'output';

const PLACE_OF_BASE: Readonly<Record<string, FacetPlace>> = {
  RunFacet: 'run',
  JobFacet: 'job',
  DatasetFacet: 'dataset',
  InputDatasetFacet: 'input',
  OutputDatasetFacet: 'output',
};

/** A facet the spec defines: its key in a `facets` object, where it goes, and its schema there. */
export interface KnownFacet {
  readonly key: string;
  readonly place: FacetPlace;
  /** `$id` of the facet's schema document. */
  readonly schema: string;
  /** Absolute `$ref`s of the definitions that apply at this place (one, but for facets with variants). */
  readonly refs: readonly string[];
}

export interface SchemaSetOptions {
  /** Check `inputFacets` against their schemas too (default false, see `buildSchemaSet`). */
  readonly validateInputFacets?: boolean | undefined;
}

export const EVENT_TIME_FORMAT = 'openlineage-event-time';

type Node = Record<string, unknown>;

/** Every facet the 38 facet schemas define, at each place their base definition allows. */
export function knownFacets(): KnownFacet[] {
  const out = new Map<string, KnownFacet>();
  for (const doc of openLineageSchemas().facets) {
    const defs = doc['$defs'] as Record<string, Node>;
    for (const [key, property] of Object.entries(doc['properties'] as Record<string, Node>)) {
      // The property is a `$ref`, or an `anyOf` of variants (`lineage`: a dataset or a job facet).
      const refs = property['$ref'] !== undefined ? [property] : [...((property['anyOf'] as Node[] | undefined) ?? []), ...((property['oneOf'] as Node[] | undefined) ?? [])];
      for (const ref of refs) {
        for (const [place, name] of variantsOf(defs, localName(ref))) {
          const id = `${key}@${place}`;
          const known = out.get(id);
          const absolute = `${doc.$id}#/$defs/${name}`;
          out.set(id, { key, place, schema: doc.$id, refs: known ? [...known.refs, absolute] : [absolute] });
        }
      }
    }
  }
  return [...out.values()];
}

/**
 * The schemas Cairn validates events with: OpenLineage 2-0-2's own documents, adjusted in four
 * documented ways.
 *
 * 1. Marquez's tolerances: `schemaURL` is optional (Marquez then reads a RunEvent), and
 *    `eventTime` uses EVENT_TIME_FORMAT (an offset is optional, up to nine fraction digits).
 * 2. The core schema accepts any facet that carries `_producer` and `_schemaURL`; like
 *    OpenLineage's fluentd validator (`proxy/fluentd`, `parser_openlineage.rb`) we also check each
 *    facet the spec defines against its schema, by key, under `run.facets`, `job.facets`,
 *    `facets` of every dataset and `outputFacets`. `inputFacets` are checked only with
 *    `validateInputFacets`, which is off by default as in fluentd (its `event_full.json`, and
 *    Marquez's, carry a `dataQualityMetrics` input facet without the `columnMetrics` that facet
 *    schema 1-0-3 requires, and both are accepted upstream).
 * 3. A job or dataset facet with `_deleted: true` (the spec's way to delete a facet) only has to
 *    be a base facet.
 * 4. `format` inside facet schemas is an annotation, not an assertion (the JSON Schema 2020-12
 *    default): producers put dates where a facet says
 *    date-time (the Python client's own `serde_example_run_event.json` has
 *    `nominalStartTime: "2020-01-01"`). The event's own formats (`eventTime`, `runId` as a UUID,
 *    `producer`, and every facet's `_producer`/`_schemaURL` as URIs) are asserted.
 */
export function buildSchemaSet(options: SchemaSetOptions = {}): { core: SchemaDocument; facets: SchemaDocument[] } {
  const core = structuredClone(openLineageSchemas().core) as SchemaDocument & { $defs: Record<string, Node> };
  const defs = core.$defs;
  const baseEvent = defs['BaseEvent']!;
  baseEvent['required'] = (baseEvent['required'] as string[]).filter((name) => name !== 'schemaURL');
  propertyOf(baseEvent, 'eventTime')['format'] = EVENT_TIME_FORMAT;

  const facets = knownFacets();
  const inject = (container: Node, place: FacetPlace, base: string, deletable: boolean): void => {
    const properties: Record<string, unknown> = {};
    for (const facet of facets.filter((f) => f.place === place)) {
      properties[facet.key] = deletable
        ? { if: { required: ['_deleted'], properties: { _deleted: { const: true } } }, then: { $ref: `#/$defs/${base}` }, else: refsSchema(facet.refs) }
        : refsSchema(facet.refs);
    }
    container['properties'] = properties;
  };
  inject(propertyOf(defs['Run']!, 'facets'), 'run', 'RunFacet', false);
  inject(propertyOf(defs['Job']!, 'facets'), 'job', 'JobFacet', true);
  inject(propertyOf(defs['Dataset']!, 'facets'), 'dataset', 'DatasetFacet', true);
  inject(propertyOf(objectPart(defs['OutputDataset']!), 'outputFacets'), 'output', 'OutputDatasetFacet', false);
  if (options.validateInputFacets) inject(propertyOf(objectPart(defs['InputDataset']!), 'inputFacets'), 'input', 'InputDatasetFacet', false);

  return { core, facets: openLineageSchemas().facets.map((doc) => withoutFormats(structuredClone(doc)) as SchemaDocument) };
}

/**
 * The places a facet definition may go, each with the definition that applies there: the core
 * facet definitions its `allOf` extends, or, for a facet made of variants (`subset`: an input or
 * an output variant), its variants'.
 */
function variantsOf(defs: Record<string, Node>, name: string, seen = new Set<string>()): [FacetPlace, string][] {
  const def = defs[name];
  if (!def || seen.has(name)) return [];
  seen.add(name);
  const out: [FacetPlace, string][] = [];
  for (const part of (def['allOf'] as Node[] | undefined) ?? []) {
    const place = PLACE_OF_BASE[String(part['$ref'] ?? '').split('#/$defs/')[1] ?? ''];
    if (place) out.push([place, name]);
  }
  for (const variant of [...((def['oneOf'] as Node[] | undefined) ?? []), ...((def['anyOf'] as Node[] | undefined) ?? [])]) {
    out.push(...variantsOf(defs, localName(variant), seen));
  }
  return out;
}

function localName(ref: Node): string {
  const value = String(ref['$ref'] ?? '');
  return value.startsWith('#/$defs/') ? value.slice('#/$defs/'.length) : '';
}

function refsSchema(refs: readonly string[]): Node {
  return refs.length === 1 ? { $ref: refs[0] } : { anyOf: refs.map((ref) => ({ $ref: ref })) };
}

function propertyOf(schema: Node, name: string): Node {
  const property = (schema['properties'] as Record<string, Node> | undefined)?.[name];
  if (!property) throw new Error(`OpenLineage schema: no property ${name} where expected`);
  return property;
}

/** The `{ type: object, properties }` member of an `allOf` (InputDataset, OutputDataset). */
function objectPart(schema: Node): Node {
  const part = (schema['allOf'] as Node[]).find((p) => p['properties'] !== undefined);
  if (!part) throw new Error('OpenLineage schema: allOf without properties where expected');
  return part;
}

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];

/** Removes the `format` keyword from a schema and its subschemas (never a property named "format"). */
function withoutFormats(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const node = schema as Node;
  delete node['format'];
  for (const key of SCHEMA_MAPS) {
    const map = node[key];
    if (typeof map === 'object' && map !== null) for (const sub of Object.values(map)) withoutFormats(sub);
  }
  for (const key of SCHEMA_LISTS) if (Array.isArray(node[key])) for (const sub of node[key] as unknown[]) withoutFormats(sub);
  for (const key of SCHEMA_VALUES) withoutFormats(node[key]);
  return node;
}
