import type { Kysely } from 'kysely';
import type { Entry } from '../ledger/entry.js';
import type { Database } from '../store/schema.js';

/** A validation rule that failed and was waived when the version was validated, and what covers it now. */
export interface WaivedRule {
  /** The rule validation waived: `metric.evaluation.auc`, `evidence.red_team`… */
  readonly rule: string;
  /** The approved waiver of that rule that holds longest, if any is approved; its expiry. */
  readonly waiver: { readonly id: string; readonly expiresAt: string } | null;
}

const WAIVER_RULE = 'waiver.';

/**
 * The waivers a version's validation relied on, with the waiver of each rule that lasts longest.
 * Validation records its decision in `model_version.validated`: a failed rule covered by a waiver
 * appears there as `waiver.<rule>`. The latest such entry is the validation in force. A waiver is an exception for a while, not
 * for ever: the deployment rules and admission deny once no approved waiver of a relied-on rule is
 * still unexpired — a renewed waiver of the same rule keeps the exception.
 *
 * @example
 * await waivedRules(db, 'mv_…') // [{ rule: 'metric.evaluation.auc', waiver: { id: 'wvr_…', expiresAt: '2026-03-01T…' } }]
 */
export async function waivedRules(db: Kysely<Database>, versionId: string): Promise<WaivedRule[]> {
  const validated = await db
    .selectFrom('log_entries')
    .select('leaf')
    .where('subject', '=', `model-version:${versionId}`)
    .where('kind', '=', 'model_version.validated')
    .orderBy('idx', 'desc')
    .executeTakeFirst();
  if (!validated) return [];
  const entry = JSON.parse(Buffer.from(validated.leaf).toString('utf8')) as Entry;
  const decision = entry.body['decision'] as { rules?: { rule?: unknown; effect?: unknown }[] } | null;
  const rules = [...new Set((decision?.rules ?? []).flatMap((r) => (typeof r.rule === 'string' && r.rule.startsWith(WAIVER_RULE) && r.effect === 'allow' ? [r.rule.slice(WAIVER_RULE.length)] : [])))];
  if (rules.length === 0) return [];
  const waivers = await db.selectFrom('waivers').select(['id', 'rule', 'expires_at']).where('version_id', '=', versionId).where('state', '=', 'approved').where('rule', 'in', rules).execute();
  return rules.map((rule) => {
    const longest = waivers.filter((w) => w.rule === rule).sort((a, b) => (a.expires_at < b.expires_at ? 1 : -1))[0];
    return { rule, waiver: longest ? { id: longest.id, expiresAt: longest.expires_at } : null };
  });
}
