import type { LoadedPolicy } from './load.js';
import { comparePointers, toPointer } from './pointer.js';

/** One difference between two packs, at a JSON Pointer into the parsed pack. */
export interface PolicyChange {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  readonly from?: unknown;
  readonly to?: unknown;
}

/**
 * What a proposal changes, as a reviewer reads it: the structural difference between the parsed
 * packs (comments and layout do not count), sorted by path. Mappings are compared key by key and
 * lists item by item; a changed scalar, or a value that changed type, is one `replace`. With no
 * previous pack, every top-level section is an `add`.
 *
 * @example
 * diffPolicies(active, proposed)
 * // [{ path: '/zones/pci-ai/egress/default', op: 'replace', from: 'deny', to: 'allow' }]
 */
export function diffPolicies(from: LoadedPolicy | undefined, to: LoadedPolicy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  walk(from?.pack ?? {}, to.pack, [], changes);
  return changes.sort((a, b) => comparePointers(a.path, b.path));
}

type Container = Record<string, unknown> | unknown[];

function walk(a: unknown, b: unknown, at: (string | number)[], out: PolicyChange[]): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) step(a, b, i, at, out);
  } else if (isMapping(a) && isMapping(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) step(a, b, key, at, out);
  } else if (a !== b) {
    out.push({ path: toPointer(at), op: 'replace', from: a, to: b });
  }
}

function step(a: Container, b: Container, key: string | number, at: (string | number)[], out: PolicyChange[]): void {
  const inA = Object.hasOwn(a, key);
  const inB = Object.hasOwn(b, key);
  const x = (a as Record<string | number, unknown>)[key];
  const y = (b as Record<string | number, unknown>)[key];
  if (inA && inB) walk(x, y, [...at, key], out);
  else if (inB) out.push({ path: toPointer([...at, key]), op: 'add', to: y });
  else if (inA) out.push({ path: toPointer([...at, key]), op: 'remove', from: x });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
