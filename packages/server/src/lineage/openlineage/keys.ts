import crypto from 'node:crypto';
import { canonicalize } from '@cairn/verify';

/**
 * Row keys for jobs and datasets: the JSON array `["namespace","name"]`. OpenLineage names may
 * hold any character (`:` and `/` are common: `postgres://db:5432`), so a joined string would be
 * ambiguous; JSON is not, and is valid text in both stores.
 */
export function nameKey(namespace: string, name: string): string {
  return JSON.stringify([namespace, name]);
}

export function splitNameKey(key: string): { namespace: string; name: string } {
  const [namespace, name] = JSON.parse(key) as [string, string];
  return { namespace, name };
}

/** `ns:name`, as the ledger summary and Marquez's node ids write it (for people; not parsed back). */
export function qualifiedName(ref: { readonly namespace: string; readonly name: string }): string {
  return `${ref.namespace}:${ref.name}`;
}

/**
 * The version a run gives a dataset it writes: a UUID (version 8, RFC 9562 §5.8) made of the
 * SHA-256 of `{ namespace, name, runId }`, so every event of one run names the same version and
 * anyone can recompute it.
 */
export function datasetVersionId(namespace: string, name: string, runId: string): string {
  const bytes = crypto.createHash('sha256').update(canonicalize({ namespace, name, runId })).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
