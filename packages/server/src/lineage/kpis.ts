import type { Store } from '../store/store.js';

export interface LineageKpis {
  readonly runs: number;
  readonly completedRuns: number;
  /** Completed runs whose lineage bundle lists every required field. */
  readonly runsWithCompleteBundle: number;
  readonly completeBundleShare: number | null;
  /** Dataset versions that some run read. */
  readonly datasetsUsed: number;
  /** …that were certified before the first run that read them started. */
  readonly datasetsCertifiedBeforeUse: number;
  readonly certifiedBeforeUseShare: number | null;
}

const share = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/** Audit-readiness figures: how much of the factory's lineage is complete and certified. */
export async function lineageKpis(store: Store): Promise<LineageKpis> {
  const db = store.db;
  const runs = await db
    .selectFrom('training_runs')
    .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.sum<number>(eb.case().when('state', '!=', 'running').then(1).else(0).end()).as('done'), eb.fn.sum<number>('lineage_complete').as('complete')])
    .executeTakeFirstOrThrow();
  // Portable form: first use of each dataset = the earliest start of a run it fed.
  const edges = await db.selectFrom('lineage_edges').select(['src', 'dst']).where('relation', '=', 'input_to').execute();
  const startOf = new Map((await db.selectFrom('training_runs').select(['id', 'started_at']).execute()).map((r) => [`run:${r.id}`, r.started_at]));
  const firstUse = new Map<string, string>();
  for (const e of edges) {
    const started = startOf.get(e.dst);
    if (started && (!firstUse.has(e.src) || started < firstUse.get(e.src)!)) firstUse.set(e.src, started);
  }
  const digests = [...firstUse.keys()].map((k) => k.slice('dataset:'.length));
  let certifiedBefore = 0;
  for (let i = 0; i < digests.length; i += 500) {
    const rows = await db.selectFrom('dataset_versions').select(['digest', 'certified_at']).where('digest', 'in', digests.slice(i, i + 500)).execute();
    for (const r of rows) if (r.certified_at && r.certified_at <= firstUse.get(`dataset:${r.digest}`)!) certifiedBefore += 1;
  }
  const completed = Number(runs.done ?? 0);
  const complete = Number(runs.complete ?? 0);
  return {
    runs: Number(runs.all),
    completedRuns: completed,
    runsWithCompleteBundle: complete,
    completeBundleShare: share(complete, completed),
    datasetsUsed: digests.length,
    datasetsCertifiedBeforeUse: certifiedBefore,
    certifiedBeforeUseShare: share(certifiedBefore, digests.length),
  };
}
