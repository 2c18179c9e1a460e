import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { HOSTNAME_PATTERN, IMAGE_DIGEST_PATTERN, NAME_PATTERN, POLICY_PACK_SCHEMA, REPOSITORY_PATTERN, REPOSITORY_PREFIX_PATTERN, SPDX_PATTERN } from './schema.js';
import { escapeSegment, fromPointer } from './pointer.js';

/** A schema problem before it is given a file position: where, and whether at the key or the value. */
export interface Finding {
  readonly path: string;
  readonly at: 'key' | 'value';
  readonly message: string;
  /** Where to point instead of `path`, when `path` is not in the source (a missing key: its parent). */
  readonly locate?: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // strict: a mistake in our own schema fails loudly; allErrors: a reviewer sees every problem.
  compiled ??= new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(POLICY_PACK_SCHEMA);
  return compiled;
}

/** Validates a parsed pack against POLICY_PACK_SCHEMA; each problem in words a reviewer reads. */
export function schemaFindings(value: unknown): Finding[] {
  const validate = validator();
  if (validate(value)) return [];
  return (validate.errors ?? []).flatMap((error) => describe(error, value));
}

const PATTERN_HINTS: Record<string, string> = {
  [NAME_PATTERN]: 'must be a lower-case name: letters and digits, words joined by "-" or "_", starting with a letter',
  [HOSTNAME_PATTERN]: 'must be a lower-case host name such as model-registry.internal (no scheme, port or wildcard)',
  [SPDX_PATTERN]: 'must be an SPDX licence identifier such as Apache-2.0',
  [IMAGE_DIGEST_PATTERN]: 'must be an image digest: sha256: and 64 lower-case hex digits',
  [REPOSITORY_PATTERN]: 'must be an image repository with its registry and no tag or digest, such as registry.internal/serving/triton or docker.io/library/python',
  [REPOSITORY_PREFIX_PATTERN]: 'must be a registry, or a path in one, ending with "/", such as registry.internal/platform/',
};

const TYPE_NAMES: Record<string, string> = {
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  array: 'a list',
  object: 'a mapping of keys to values',
};

function describe(error: ErrorObject, root: unknown): Finding[] {
  const path = error.instancePath;
  const params = error.params as Record<string, unknown>;
  // Errors inside `propertyNames` are about a key, and carry its name.
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const hint = error.keyword === 'pattern' ? PATTERN_HINTS[String(params['pattern'])] : undefined;
    return [{ path: `${path}/${escapeSegment(propertyName)}`, at: 'key', message: `"${propertyName}" ${hint ?? error.message ?? 'is not a valid name'}` }];
  }
  switch (error.keyword) {
    case 'propertyNames':
      return []; // reported by the inner error above
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = known.find((k) => distance(k, key) <= Math.min(2, k.length >> 2 || 1));
      const expected = near ? ` (did you mean "${near}"?)` : known.length > 0 ? `; expected one of: ${known.join(', ')}` : '';
      return [{ path: `${path}/${escapeSegment(key)}`, at: 'key', message: `unknown key "${key}"${expected}` }];
    }
    case 'required': {
      const key = String(params['missingProperty']);
      return [{ path: `${path}/${escapeSegment(key)}`, at: 'key', locate: path, message: `missing required key "${key}"` }];
    }
    case 'type': {
      const expected = String(params['type']);
      return [{ path, at: 'value', message: `must be ${TYPE_NAMES[expected] ?? expected}${found(error.data, expected)}` }];
    }
    case 'const':
      return [{ path, at: 'value', message: `must be ${JSON.stringify(params['allowedValue'])}${found(error.data)}` }];
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      return [{ path, at: 'value', message: `must be one of: ${allowed}${found(error.data)}` }];
    }
    case 'pattern':
      return [{ path, at: 'value', message: `${PATTERN_HINTS[String(params['pattern'])] ?? error.message}${found(error.data)}` }];
    case 'minimum':
    case 'maximum':
      return [{ path, at: 'value', message: `must be at ${error.keyword === 'minimum' ? 'least' : 'most'} ${String(params['limit'])}${found(error.data)}` }];
    case 'minItems':
      return [{ path, at: 'value', message: `must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}` }];
    case 'minProperties':
      return [{ path, at: 'value', message: `must declare at least ${String(params['limit'])} entr${params['limit'] === 1 ? 'y' : 'ies'}` }];
    case 'minLength':
      return [{ path, at: 'value', message: 'must not be empty' }];
    case 'maxLength':
      return [{ path, at: 'value', message: `must be at most ${String(params['limit'])} characters long` }];
    case 'uniqueItems': {
      const [first, second] = [Number(params['i']), Number(params['j'])].sort((a, b) => a - b);
      const item = valueAt(root, `${path}/${second}`);
      return [{ path: `${path}/${second}`, at: 'value', message: `repeats ${JSON.stringify(item)}, already listed at position ${first! + 1}` }];
    }
    default:
      return [{ path, at: 'value', message: error.message ?? `fails ${error.keyword}` }];
  }
}

/** " (found "yes"…)": what was written instead, with a hint for YAML's usual traps. */
function found(value: unknown, expected?: string): string {
  if (expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)) {
    return ` (found the text "${value}": YAML 1.2 reads yes/no/on/off as text; write true or false)`;
  }
  if (value === null) return ' (found nothing)';
  if (Array.isArray(value)) return ' (found a list)';
  if (typeof value === 'object') return ' (found a mapping)';
  if (typeof value === 'string') return ` (found ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return ` (found ${String(value)})`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of fromPointer(pointer)) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** Levenshtein distance, for "did you mean": keys are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
