/** A JSON Schema document as shipped by OpenLineage: an object with an `$id`. */
export interface SchemaDocument {
  readonly $id: string;
  readonly [keyword: string]: unknown;
}
