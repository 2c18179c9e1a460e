import type { JsonObject } from '../../ledger/entry.js';
import type { EventTime } from './event-time.js';

/** The three OpenLineage 2 event classes. */
export type OpenLineageEventKind = 'RunEvent' | 'DatasetEvent' | 'JobEvent';

/** `eventType` of a RunEvent, upper-cased (Marquez compares it case-insensitively). */
export type RunEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** Facets by name; every facet is an object carrying `_producer` and `_schemaURL`. */
export type Facets = Readonly<Record<string, JsonObject>>;

export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
  readonly facets: Facets;
  readonly inputFacets: Facets;
  readonly outputFacets: Facets;
}

export interface JobRef {
  readonly namespace: string;
  readonly name: string;
  readonly facets: Facets;
}

export interface RunRef {
  /** Lower-case UUID. */
  readonly runId: string;
  readonly facets: Facets;
}

/**
 * An OpenLineage event that passed validation: typed, with its identity. Made only by
 * `parseOpenLineageEvent`; inner code trusts it and does not re-check.
 */
export interface OpenLineageEvent {
  readonly kind: OpenLineageEventKind;
  /** RunEvent only; null when absent. */
  readonly eventType: RunEventType | null;
  readonly eventTime: EventTime;
  readonly producer: string;
  /** RunEvent only. */
  readonly run: RunRef | null;
  /** RunEvent and JobEvent. */
  readonly job: JobRef | null;
  /** DatasetEvent only. */
  readonly dataset: DatasetRef | null;
  readonly inputs: readonly DatasetRef[];
  readonly outputs: readonly DatasetRef[];
  /** The event exactly as received, in RFC 8785 canonical JSON. */
  readonly canonical: string;
  /** `sha256:` + hex SHA-256 of `canonical`: the event's identity, so a redelivery is recognised. */
  readonly hash: string;
}

/**
 * The event class Marquez would deserialise: the text after the last `/` of the top-level
 * `schemaURL` (`…#/$defs/DatasetEvent` → DatasetEvent); anything else, or none, is a RunEvent
 * (marquez `EventTypeResolver`).
 */
export function eventKindOf(schemaURL: unknown): OpenLineageEventKind {
  const slash = typeof schemaURL === 'string' ? schemaURL.lastIndexOf('/') : -1;
  if (slash < 0) return 'RunEvent';
  const suffix = (schemaURL as string).slice(slash + 1);
  return suffix === 'DatasetEvent' || suffix === 'JobEvent' ? suffix : 'RunEvent';
}
