// OpenLineage 2 ingestion as Marquez speaks it, and Marquez's lineage graph.
export { ingestOpenLineage, entryOf, OPENLINEAGE_ENTRY_KIND } from './ingest.js';
export type { IngestOptions, IngestResult } from './ingest.js';
export { parseOpenLineageEvent } from './parse-event.js';
export { eventKindOf } from './event.js';
export type { OpenLineageEvent, OpenLineageEventKind, RunEventType, DatasetRef, JobRef, RunRef, Facets } from './event.js';
export { EventValidator, eventValidator } from './validator.js';
export type { EventIssue, ValidationOptions } from './validator.js';
export { lineageGraph, DEFAULT_DEPTH, MAX_DEPTH } from './graph.js';
export type { GraphNode, GraphEdge } from './graph.js';
export { parseNodeId, nodeIdOf } from './node-id.js';
export { parseEventTime, displayTime } from './event-time.js';
