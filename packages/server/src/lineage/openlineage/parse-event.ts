import crypto from 'node:crypto';
import { canonicalize } from '@cairn/verify';
import { CairnError } from '../../errors/catalog.js';
import type { JsonObject } from '../../ledger/entry.js';
import { parseEventTime } from './event-time.js';
import { eventKindOf, type DatasetRef, type Facets, type JobRef, type OpenLineageEvent, type OpenLineageEventKind, type RunEventType } from './event.js';
import { escapePointer, eventValidator, type EventIssue, type ValidationOptions } from './validator.js';

/**
 * Parses one OpenLineage event at the edge, as Marquez's `POST /api/v1/lineage` does: the class
 * from the `schemaURL` suffix (RunEvent when absent), `eventType` compared case-insensitively,
 * then the OpenLineage 2-0-2 schemas (see `buildSchemaSet`). Anything else is a 422
 * `lineage_event_invalid` whose `details` list every problem as `{ path, message }`.
 *
 * @example
 * const event = parseOpenLineageEvent(JSON.parse(body));
 * event.kind; // 'RunEvent'
 * event.hash; // 'sha256:…' of the canonical event
 */
export function parseOpenLineageEvent(body: unknown, options: ValidationOptions = {}): OpenLineageEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('event', [{ path: '', message: 'must be one OpenLineage event: a JSON object' }]);
  }
  if (deeperThan(body, MAX_DEPTH)) {
    throw invalid('event', [{ path: '', message: `nests objects and arrays deeper than ${MAX_DEPTH} levels` }]);
  }
  const raw = body as JsonObject;
  const kind = eventKindOf(raw['schemaURL']);
  const eventType = typeof raw['eventType'] === 'string' ? raw['eventType'].toUpperCase() : undefined;
  const issues = eventValidator(options).validate(kind, eventType === undefined ? raw : { ...raw, eventType });
  if (issues.length === 0) issues.push(...nulCharacters(raw, ''));
  if (issues.length > 0) throw invalid(kind, issues);

  let canonical: string;
  try {
    canonical = canonicalize(raw);
  } catch (err) {
    // A lone surrogate, say: JCS (RFC 8785 §3.2.2.2) cannot represent it, so neither can we.
    throw invalid(kind, [{ path: '', message: `cannot be canonicalised (RFC 8785): ${(err as Error).message}` }]);
  }
  const hash = `sha256:${crypto.createHash('sha256').update(canonical).digest('hex')}`;
  const eventTime = parseEventTime(raw['eventTime'] as string)!; // the format check above parsed it

  const run = kind === 'RunEvent' ? (raw['run'] as JsonObject) : undefined;
  return {
    kind,
    eventType: kind === 'RunEvent' && eventType !== undefined ? (eventType as RunEventType) : null,
    eventTime,
    producer: raw['producer'] as string,
    run: run ? { runId: (run['runId'] as string).toLowerCase(), facets: facetsOf(run['facets']) } : null,
    job: kind === 'DatasetEvent' ? null : jobOf(raw['job'] as JsonObject),
    dataset: kind === 'DatasetEvent' ? datasetOf(raw['dataset'] as JsonObject) : null,
    inputs: kind === 'DatasetEvent' ? [] : datasetsOf(raw['inputs']),
    outputs: kind === 'DatasetEvent' ? [] : datasetsOf(raw['outputs']),
    canonical,
    hash,
  };
}

/**
 * Spark's logical-plan facets nest deeply (Marquez's 220 KB `event_large.json`: 16 levels), but a
 * hostile body of 1 MiB could nest 500 000 levels and exhaust the stack of every recursive walk
 * after this one (schema validation, canonicalisation). Measured without recursion.
 */
const MAX_DEPTH = 256;

function deeperThan(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}

function invalid(kind: OpenLineageEventKind | 'event', issues: readonly EventIssue[]): CairnError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const where = first.path === '' ? 'the event' : first.path;
  return new CairnError('lineage_event_invalid', `${kind === 'event' ? 'the body' : `this ${kind}`} is not valid OpenLineage: ${where} ${first.message}${more}`, {
    details: issues,
  });
}

/** U+0000 cannot be stored in PostgreSQL text; refuse it here rather than fail in the store. */
function nulCharacters(value: unknown, path: string): EventIssue[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ path, message: 'must not contain U+0000' }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulCharacters(v, `${path}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      k.includes('\u0000') ? [{ path: `${path}/${escapePointer(k)}`, message: 'the name must not contain U+0000' }] : nulCharacters(v, `${path}/${escapePointer(k)}`),
    );
  }
  return [];
}

function facetsOf(value: unknown): Facets {
  return (value ?? {}) as Facets;
}

function jobOf(job: JsonObject): JobRef {
  return { namespace: job['namespace'] as string, name: job['name'] as string, facets: facetsOf(job['facets']) };
}

function datasetOf(ds: JsonObject): DatasetRef {
  return {
    namespace: ds['namespace'] as string,
    name: ds['name'] as string,
    facets: facetsOf(ds['facets']),
    inputFacets: facetsOf(ds['inputFacets']),
    outputFacets: facetsOf(ds['outputFacets']),
  };
}

function datasetsOf(value: unknown): DatasetRef[] {
  return Array.isArray(value) ? (value as JsonObject[]).map(datasetOf) : [];
}
