import type { Runs } from '../lineage/runs.js';
import { allow, deny, type RuleResult } from '../policy/index.js';

/** The training run behind a model version, as validation sees it. */
export interface RunLineage {
  readonly id: string;
  readonly state: string;
  /** The fields its lineage bundle lacks (lineage/runs.ts missingLineage). */
  readonly missing: readonly string[];
}

/** The version's training run, or null when it names none. */
export async function runLineage(runs: Runs, runId: string | null): Promise<RunLineage | null> {
  if (runId === null) return null;
  const run = await runs.get(runId);
  return { id: run.id, state: run.state, missing: run.missing };
}

/**
 * `require_complete_lineage`: the version's training run is recorded, completed, and misses no
 * lineage field; each missing field is its own rule (`lineage.code.commit`…), so the refusal lists
 * them all. No waiver applies: a run's record cannot be completed afterwards, so a waiver would
 * only hide the gap; a pack that accepts such models turns the flag off for the tier (a reviewed
 * policy change).
 */
export function lineageRules(tierName: string, run: RunLineage | null): RuleResult[] {
  const needs = `the ${tierName} tier requires complete training lineage`;
  if (run === null) return [deny('lineage.run', `${needs} and the version names no training run`)];
  const rules: RuleResult[] = [];
  if (run.state !== 'completed') rules.push(deny('lineage.run_completed', `${needs}; run ${run.id} is ${run.state}, not completed`));
  for (const field of run.missing) rules.push(deny(`lineage.${field}`, `${needs}; run ${run.id} records no ${field}`));
  if (rules.length === 0) rules.push(allow('lineage.complete', `run ${run.id} has complete lineage (data, code, image, lock file, parameters, metrics, evaluator, outputs)`));
  return rules;
}
