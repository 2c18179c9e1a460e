import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { selectDeployments, toDeployment, type Deployment } from './records.js';

export interface ActiveAtQuery {
  readonly zone?: string | undefined;
  readonly environment?: string | undefined;
  readonly model?: string | undefined;
  /** RFC 3339 UTC with milliseconds, the form every stored time has (so text order is time order). */
  readonly at: string;
}

/**
 * The deployments that were active at `at`, for any past instant: those with
 * `started_at ≤ at < ended_at` (or not ended). Read from the deployment history, which only ever
 * gains rows and end times, so the answer for a past instant never changes.
 *
 * @example
 * await activeAt(store.db, { zone: 'hipaa-ai', at: '2026-03-01T12:00:00.000Z' }) // [{ model, versionId, version, … }]
 */
export async function activeAt(db: Kysely<Database>, q: ActiveAtQuery): Promise<Deployment[]> {
  let query = selectDeployments(db)
    .where('d.started_at', '<=', q.at)
    .where((eb) => eb.or([eb('d.ended_at', 'is', null), eb('d.ended_at', '>', q.at)]))
    .orderBy('d.zone')
    .orderBy('d.model')
    .orderBy('d.environment');
  if (q.zone !== undefined) query = query.where('d.zone', '=', q.zone);
  if (q.environment !== undefined) query = query.where('d.environment', '=', q.environment);
  if (q.model !== undefined) query = query.where('d.model', '=', q.model);
  return (await query.execute()).map(toDeployment);
}
