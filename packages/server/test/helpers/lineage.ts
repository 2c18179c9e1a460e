import crypto from 'node:crypto';

export const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
export const digestOf = (s: string) => `sha256:${sha(s)}`;

/** A small manifest: n objects whose content is derived from a seed. */
export function objects(seed: string, n = 3): { path: string; size: number; sha256: string }[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${seed}/part-${String(i).padStart(4, '0')}.parquet`, size: 1000 + i, sha256: sha(`${seed}:${i}`) }));
}

/** A full git commit id (40 hex digits) derived from a seed. */
export const commitOf = (seed: string) => sha(`commit:${seed}`).slice(0, 40);

/** What a run start declares for complete lineage (code, image, lock file, parameters, evaluator), in `zone`. */
export function fullRun(seed: string, zone = 'hipaa-ai') {
  return {
    zone,
    code: { repository: `git+ssh://git@git.internal/ml/${seed}.git`, commit: commitOf(seed) },
    image: { digest: digestOf(`image:${seed}`), name: 'registry.internal/ml/trainer:2.4' },
    environment: { accelerator: 'NVIDIA A100 80GB', cudaVersion: '12.4', lockfileSha256: sha(`lock:${seed}`) },
    parameters: { epochs: 3 },
    evaluator: 'eval-harness@v4',
  };
}
