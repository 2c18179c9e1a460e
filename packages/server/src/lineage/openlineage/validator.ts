import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parseEventTime } from './event-time.js';
import type { OpenLineageEventKind } from './event.js';
import { buildSchemaSet, EVENT_TIME_FORMAT, type SchemaSetOptions } from './schema-set.js';

/** One problem with an event: a JSON Pointer into it and what is wrong there. */
export interface EventIssue {
  readonly path: string;
  readonly message: string;
}

export type ValidationOptions = SchemaSetOptions;

/** Marquez parses run ids with `UUID.fromString`; the canonical 8-4-4-4-12 form only. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ISSUES = 100;

/** Validates events against OpenLineage 2-0-2 (see `buildSchemaSet` for the exact rules). */
export class EventValidator {
  readonly #byKind: Readonly<Record<OpenLineageEventKind, ValidateFunction>>;

  constructor(options: ValidationOptions = {}) {
    const { core, facets } = buildSchemaSet(options);
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true, logger: false });
    ajv.addFormat('uri', fullFormats.uri);
    ajv.addFormat('uuid', UUID);
    ajv.addFormat(EVENT_TIME_FORMAT, (text: string) => parseEventTime(text) !== undefined);
    ajv.addSchema(facets);
    ajv.addSchema(core);
    const compile = (kind: OpenLineageEventKind) => ajv.compile({ $ref: `${core.$id}#/$defs/${kind}` });
    this.#byKind = { RunEvent: compile('RunEvent'), DatasetEvent: compile('DatasetEvent'), JobEvent: compile('JobEvent') };
  }

  /** Every problem found (at most 100), or none. */
  validate(kind: OpenLineageEventKind, event: unknown): EventIssue[] {
    const validate = this.#byKind[kind];
    if (validate(event)) return [];
    const errors = validate.errors ?? [];
    // Combinators only repeat what their branches said; keep them only if nothing else was said.
    const specific = errors.filter((e) => !['anyOf', 'oneOf', 'allOf', 'if'].includes(e.keyword));
    const seen = new Set<string>();
    const issues: EventIssue[] = [];
    for (const error of specific.length > 0 ? specific : errors) {
      const issue = describe(error, kind);
      const id = `${issue.path}\u0000${issue.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      issues.push(issue);
      if (issues.length === MAX_ISSUES) break;
    }
    return issues;
  }
}

const cache = new Map<string, EventValidator>();

/** A validator for these options, compiled once per process (compiling takes tens of milliseconds). */
export function eventValidator(options: ValidationOptions = {}): EventValidator {
  const key = options.validateInputFacets ? 'strict-inputs' : 'default';
  let validator = cache.get(key);
  if (!validator) {
    validator = new EventValidator(options);
    cache.set(key, validator);
  }
  return validator;
}

function describe(error: ErrorObject, kind: OpenLineageEventKind): EventIssue {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${escapePointer(String(params['missingProperty']))}`, message: 'is required' };
    case 'type': {
      const type = String(params['type']);
      return { path, message: `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}` };
    }
    case 'format':
      return { path, message: FORMAT_MESSAGES[String(params['format'])] ?? `must be a ${String(params['format'])}` };
    case 'enum':
      return { path, message: `must be one of ${(params['allowedValues'] as unknown[]).join(', ')}` };
    case 'not':
      return { path, message: kind === 'DatasetEvent' ? 'a DatasetEvent must not carry both `job` and `run`' : 'a JobEvent must not carry `run`' };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  [EVENT_TIME_FORMAT]: 'must be a date-time such as 2020-12-28T19:52:00.001Z (the offset may be omitted: UTC is assumed)',
  uuid: 'must be a UUID',
  uri: 'must be a URI',
};

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
