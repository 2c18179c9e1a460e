import fs from 'node:fs';
import type { SchemaDocument } from './schema-document.js';

/** assets/openlineage of this package: unchanged copies of OpenLineage 2-0-2's spec (see its README.md). */
const DIR = new URL('../../../../../assets/openlineage/', import.meta.url);

let loaded: { core: SchemaDocument; facets: readonly SchemaDocument[] } | undefined;

/** The core OpenLineage schema and the facet schemas, read once (at start-up, by the first validator). */
export function openLineageSchemas(): { readonly core: SchemaDocument; readonly facets: readonly SchemaDocument[] } {
  if (!loaded) {
    const read = (name: string) => JSON.parse(fs.readFileSync(new URL(name, DIR), 'utf8')) as SchemaDocument;
    const facets = fs
      .readdirSync(new URL('facets/', DIR))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => read(`facets/${f}`));
    loaded = { core: read('OpenLineage.json'), facets };
  }
  return loaded;
}
