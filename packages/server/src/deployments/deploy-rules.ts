import { allow, decision, deny, evaluatePlacement, type Decision, type LoadedPolicy, type RuleResult } from '../policy/index.js';
import type { VersionFacts } from './records.js';
import type { WaivedRule } from './waiver-standing.js';

/** States from which a version may be (re)deployed: approved, or already running elsewhere. */
export const DEPLOYABLE_STATES: readonly string[] = ['approved', 'deployed'];

/** A version asked to run in a zone: the facts the deployment rules read. */
export interface DeploymentCandidate {
  readonly version: VersionFacts;
  /** The use case its model is registered for; undefined if the model row is missing. */
  readonly useCase: string | undefined;
  readonly zone: string;
  /** When the question is asked (RFC 3339 UTC): the approval must not have expired by then. */
  readonly at: string;
  /** The waivers its validation relied on (waiver-standing.ts): each must still be in force at `at`. */
  readonly waivers: readonly WaivedRule[];
}

/**
 * May this version run in this zone now? Every check becomes a rule, so a refusal lists them all:
 * the version's state, the zones and use case its approval covers, the approval's expiry, the
 * expiry of every waiver its validation relied on, and placement of its training data's classes in
 * the zone under the active pack (an ePHI-trained model never lands in a zone ePHI may not enter).
 * `question` is `deployment` or `rollback`.
 *
 * @example
 * evaluateDeployment(policy, 'deployment', { version, useCase: 'triage', zone: 'hipaa-ai', at: rfc3339(Date.now()), waivers: [] }).allowed
 */
export function evaluateDeployment(policy: LoadedPolicy, question: 'deployment' | 'rollback', c: DeploymentCandidate): Decision {
  const v = c.version;
  const name = `${v.model}@${v.version} (${v.id})`;
  const rules: RuleResult[] = [
    DEPLOYABLE_STATES.includes(v.state)
      ? allow('version.state', `${name} is ${v.state}`)
      : deny('version.state', `${name} is ${v.state}; only an approved or deployed version may be deployed`),
    v.zones?.includes(c.zone)
      ? allow('version.zone_approved', `${name} is approved for ${c.zone}`)
      : deny('version.zone_approved', `${name} is not approved for ${c.zone} (approved zones: ${list(v.zones)})`),
    c.useCase === undefined
      ? deny('version.use_case_approved', `model ${v.model} is not registered, so its use case is unknown`)
      : v.useCases?.includes(c.useCase)
        ? allow('version.use_case_approved', `${name} is approved for its model's use case ${c.useCase}`)
        : deny('version.use_case_approved', `${name} is not approved for ${c.useCase}, its model's use case (approved use cases: ${list(v.useCases)})`),
    v.approvalExpiresAt === null
      ? deny('version.approval_current', `${name} has no approval in force`)
      : v.approvalExpiresAt > c.at
        ? allow('version.approval_current', `the approval of ${name} is valid until ${v.approvalExpiresAt}`)
        : deny('version.approval_current', `the approval of ${name} expired at ${v.approvalExpiresAt}`),
    ...waiverRules(name, c.waivers, c.at),
  ];
  const placement = evaluatePlacement(policy, { workload: { dataClasses: v.dataClasses }, zone: c.zone });
  return decision(question, [...rules, ...placement.rules], placement.obligations, policy.hash);
}

/** One rule per waived validation rule: the exception must still hold when the version runs. */
export function waiverRules(name: string, waivers: readonly WaivedRule[], at: string): RuleResult[] {
  return waivers.map(({ rule, waiver }) =>
    waiver === null
      ? deny('version.waiver_current', `the validation of ${name} relied on a waiver of ${rule}, and no approved waiver of it remains`)
      : waiver.expiresAt > at
        ? allow('version.waiver_current', `the validation of ${name} relied on a waiver of ${rule}; ${waiver.id} holds until ${waiver.expiresAt}`)
        : deny('version.waiver_current', `the validation of ${name} relied on a waiver of ${rule}, which expired at ${waiver.expiresAt} (${waiver.id})`),
  );
}

const list = (items: readonly string[] | null): string => (items && items.length > 0 ? items.join(', ') : 'none');
