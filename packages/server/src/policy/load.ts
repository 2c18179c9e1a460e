import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { canonicalBytes } from '@cairn/verify';
import { crossReferenceFindings } from './cross-references.js';
import { deepFreeze } from './freeze.js';
import { PolicyError, type PolicyIssue } from './issues.js';
import type { PolicyPack } from './pack.js';
import { comparePointers, fromPointer } from './pointer.js';
import { PackPositions } from './positions.js';
import { schemaFindings, type Finding } from './schema-issues.js';

/** A validated, frozen pack with the hash that every decision under it records. */
export interface LoadedPolicy {
  readonly pack: PolicyPack;
  /** `sha256:<hex>` of the RFC 8785 canonical JSON of the parsed pack: comments, key order and layout do not count. */
  readonly hash: string;
  /** The YAML text it was loaded from. */
  readonly source: string;
}

/** Aliases may not expand a small file into a huge value ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses, validates and hashes a policy pack. Every problem is collected (YAML syntax, schema,
 * cross-references) with its line, column and JSON Pointer, then thrown as one PolicyError.
 *
 * @example
 * const policy = loadPolicy(fs.readFileSync(examplePolicyPath(), 'utf8'), 'example-pack.yaml');
 * policy.hash // 'sha256:…'
 */
export function loadPolicy(source: string, file = '<policy>'): LoadedPolicy {
  const lines = new LineCounter();
  // YAML 1.2 core schema: `yes` is text, not true. Duplicate keys are errors; merge keys (<<) work.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true, stringKeys: true, strict: true });
  const positions = new PackPositions(doc, lines);
  const issue = (path: string, at: { line: number; column: number }, message: string): PolicyIssue => ({ file, ...at, path, message });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => {
    const path = positions.pointerAt(e.pos[0], e.code === 'DUPLICATE_KEY');
    return issue(path, positions.at(e.pos[0]), yamlMessage(e, path));
  });

  // A duplicate key leaves a well-formed tree behind: keep validating, so all issues show at once.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) throw new PolicyError(sorted(syntax));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new PolicyError(sorted([...syntax, issue('', positions.at(0), `cannot be read: ${(err as Error).message}`)]), { cause: err });
  }

  const schema = schemaFindings(value);
  const findings: Finding[] = [...schema, ...crossReferenceFindings(value, schema)];
  const located = findings.map((f) => {
    const target = f.locate ?? f.path;
    return issue(f.path, f.at === 'key' ? positions.key(target) : positions.value(target), f.message);
  });
  const issues = sorted([...syntax, ...located]);
  if (issues.length > 0) throw new PolicyError(issues);

  const pack = deepFreeze(value as PolicyPack);
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(pack);
  } catch (err) {
    // e.g. a lone surrogate written as "\ud800": it has no canonical (UTF-8) form.
    throw new PolicyError([issue('', positions.at(0), `cannot be canonicalised (RFC 8785): ${(err as Error).message}`)], { cause: err });
  }
  return Object.freeze({ pack, hash: policyHash(bytes), source });
}

function policyHash(canonical: Uint8Array): string {
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

function yamlMessage(error: YAMLError, path: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = fromPointer(path).at(-1);
    return `duplicate key${key === undefined ? '' : ` "${key}"`}: a key may appear only once in a mapping`;
  }
  return `YAML ${error.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${error.message}`;
}

/** Reading order, one issue per place and message. */
function sorted(issues: PolicyIssue[]): PolicyIssue[] {
  const unique = new Map(issues.map((i) => [`${i.line}:${i.column}:${i.path}:${i.message}`, i]));
  return [...unique.values()].sort((a, b) => a.line - b.line || a.column - b.column || comparePointers(a.path, b.path));
}
