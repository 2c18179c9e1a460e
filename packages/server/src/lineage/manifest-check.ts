import { CairnError } from '../errors/catalog.js';
import type { ManifestObject } from '@cairn/verify';

export interface ManifestIssue {
  /** 1-based position of the object in the list (the line of a list file). */
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Every problem of a manifest, each with the position of the offending object. */
export function manifestIssues(objects: readonly { path?: unknown; size?: unknown; sha256?: unknown }[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const first = new Map<string, number>();
  objects.forEach((o, i) => {
    const line = i + 1;
    const path = typeof o.path === 'string' ? o.path : '';
    if (typeof o.path !== 'string' || o.path.length === 0) issues.push({ line, path, message: 'path is empty' });
    else if (first.has(o.path)) issues.push({ line, path, message: `duplicate path (first at ${first.get(o.path)})` });
    else first.set(o.path, line);
    if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) issues.push({ line, path, message: `size ${JSON.stringify(o.size)} is not a non-negative integer` });
    if (typeof o.sha256 !== 'string' || !SHA256.test(o.sha256)) issues.push({ line, path, message: `sha256 ${JSON.stringify(o.sha256)} is not 64 lowercase hex digits` });
  });
  if (objects.length === 0) issues.push({ line: 0, path: '', message: 'a manifest lists at least one object' });
  return issues;
}

/** Parse at the edge: a manifest with any issue is refused, naming every offending line. */
export function checkManifest(objects: readonly { path?: unknown; size?: unknown; sha256?: unknown }[]): ManifestObject[] {
  const issues = manifestIssues(objects);
  if (issues.length > 0) {
    const firstIssue = issues[0]!;
    throw new CairnError('manifest_invalid', `manifest line ${firstIssue.line}${firstIssue.path ? ` (${firstIssue.path})` : ''}: ${firstIssue.message}`, { details: { issues } });
  }
  return objects as ManifestObject[];
}
