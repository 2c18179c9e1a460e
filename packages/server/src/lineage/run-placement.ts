import { CairnError } from '../errors/catalog.js';
import { allow, evaluatePlacement, type LoadedPolicy, type RuleResult } from '../policy/index.js';
import { own } from '../policy/pack.js';

/** Refuses a zone the active pack does not declare: bad input, answered 422 and not recorded. */
export function requireKnownZone(policy: LoadedPolicy, zone: string): void {
  if (own(policy.pack.zones, zone)) return;
  const known = Object.keys(policy.pack.zones);
  throw new CairnError('unknown_zone', `zone ${zone} is not declared in the active policy pack (declared zones: ${known.join(', ')})`, { details: { zone, known } });
}

/**
 * May a run reading data of these classes train in this zone? The data-class rules of the
 * placement evaluation (allowed_zones, requires) and the zone's own workload rules, applied when
 * training starts, as they are when a model is deployed. A run over unclassified data only is
 * placed anywhere the pack declares.
 */
export function runPlacement(policy: LoadedPolicy, dataClasses: readonly string[], zone: string): { rules: RuleResult[]; obligations: readonly string[] } {
  if (dataClasses.length === 0) return { rules: [allow('run.zone', `the inputs carry no data class; the run may train in ${zone}`)], obligations: [] };
  const d = evaluatePlacement(policy, { workload: { dataClasses }, zone });
  return { rules: [...d.rules], obligations: d.obligations };
}
