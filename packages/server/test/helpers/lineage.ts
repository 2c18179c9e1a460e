import crypto from 'node:crypto';

export const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
export const digestOf = (s: string) => `sha256:${sha(s)}`;

/** A small manifest: n objects whose content is derived from a seed. */
export function objects(seed: string, n = 3): { path: string; size: number; sha256: string }[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${seed}/part-${String(i).padStart(4, '0')}.parquet`, size: 1000 + i, sha256: sha(`${seed}:${i}`) }));
}
