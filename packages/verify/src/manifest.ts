import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';

/** One object of a dataset: where it is, how big, and the SHA-256 of its bytes. */
export interface ManifestObject {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * A dataset version's identity: `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of
 * `{ "objects": [...] }` with the objects sorted by path (UTF-16 code units, as JCS sorts keys).
 * Anyone can recompute it from the list of files, without Cairn: the data never has to leave.
 */
export function manifestDigest(objects: readonly ManifestObject[]): string {
  return `sha256:${createHash('sha256').update(canonicalManifest(objects), 'utf8').digest('hex')}`;
}

/** The canonical manifest text whose SHA-256 is the digest. */
export function canonicalManifest(objects: readonly ManifestObject[]): string {
  const sorted = [...objects]
    .map((o) => ({ path: o.path, size: o.size, sha256: o.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return canonicalize({ objects: sorted });
}
