import { allow, decision, deny, type Decision, type LoadedPolicy, type RuleResult } from '../policy/index.js';
import { lineageRules, type RunLineage } from './lineage-rules.js';

export interface EvidenceItem {
  readonly kind: string;
  readonly digest: string;
  readonly metrics: Readonly<Record<string, number>> | null;
}

export interface WaiverItem {
  readonly rule: string;
  readonly state: string;
  readonly expiresAt: string;
  readonly id: string;
}

/**
 * draft → validated: every evidence kind the risk tier names is attached, with its metrics within
 * the tier's thresholds; a rollback plan and a monitoring plan where the tier requires them; a
 * complete training lineage where the tier requires it (lineageRules, never waived). A failed
 * evidence rule may be covered by an approved, unexpired waiver, which the decision names.
 */
export function evaluateValidation(policy: LoadedPolicy, tierName: string, evidence: readonly EvidenceItem[], waivers: readonly WaiverItem[], run: RunLineage | null = null, now = Date.now()): Decision {
  const tier = policy.pack.risk_tiers[tierName];
  const rules: RuleResult[] = [];
  if (!tier) return decision('model_version.validate', [deny('risk_tier.known', `risk tier ${tierName} is not in the active policy`)], [], policy.hash);
  const waived = (rule: string) => waivers.find((w) => w.rule === rule && w.state === 'approved' && Date.parse(w.expiresAt) > now);
  const check = (rule: string, ok: boolean, yes: string, no: string) => {
    if (ok) rules.push(allow(rule, yes));
    else {
      const w = waived(rule);
      rules.push(w ? allow(`waiver.${rule}`, `${no} — waived by ${w.id} until ${w.expiresAt}`) : deny(rule, no));
    }
  };
  const required = [...tier.required_evidence];
  const kinds = new Set(required.map((r) => r.kind));
  if (tier.rollback_plan_required && !kinds.has('rollback_plan')) required.push({ kind: 'rollback_plan' });
  if (tier.monitoring_required && !kinds.has('monitoring_plan')) required.push({ kind: 'monitoring_plan' });
  for (const req of required) {
    const items = evidence.filter((e) => e.kind === req.kind);
    check(`evidence.${req.kind}`, items.length > 0, `${req.kind} evidence is attached`, `the ${tierName} tier requires ${req.kind} evidence and none is attached`);
    for (const [metric, bounds] of Object.entries(req.metrics ?? {})) {
      const values = items.map((e) => e.metrics?.[metric]).filter((v): v is number => typeof v === 'number');
      const value = values.length > 0 ? values[values.length - 1] : undefined;
      const ok = value !== undefined && (bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max);
      const bound = [bounds.min !== undefined ? `≥ ${bounds.min}` : '', bounds.max !== undefined ? `≤ ${bounds.max}` : ''].filter(Boolean).join(' and ');
      check(
        `metric.${req.kind}.${metric}`,
        ok,
        `${metric} = ${value} meets ${bound}`,
        value === undefined ? `${req.kind} evidence reports no ${metric} (needs ${bound})` : `${metric} = ${value} does not meet ${bound}`,
      );
    }
  }
  if (tier.require_complete_lineage) rules.push(...lineageRules(tierName, run));
  return decision('model_version.validate', rules, [], policy.hash);
}
