import { allow, decision, deny, type Decision, type RuleResult } from './decision.js';
import type { LoadedPolicy } from './load.js';
import { classLabel, own, type DataClass, type PolicyPack, type WorkloadRequirements, type Zone } from './pack.js';
import { REQUIREMENTS, REQUIREMENT_ORDER } from './requirements.js';
import { both, either } from './words.js';

/** A workload asking to run in a zone, with what it declares about itself. */
export interface PlacementInput {
  readonly workload: {
    readonly dataClasses: readonly string[];
    readonly signedImages?: boolean;
    readonly encryptedVolumes?: boolean;
    readonly runtimeIdentity?: boolean;
    /** Host names the workload connects to outside its zone. */
    readonly egress?: readonly string[];
    readonly externalLlmCalls?: boolean;
  };
  readonly zone: string;
}
type Workload = PlacementInput['workload'];

/**
 * May this workload, holding these data classes, run in this zone? Denied when the zone or a
 * class is unknown, the zone is not among a class's allowed zones, the zone lacks a control a
 * class requires, or the workload states something the zone forbids (unsigned images, egress to
 * a host not on the allow list, calls to external LLMs). What the workload does not state
 * becomes an obligation, checked at run time (admission, network policy), not a denial.
 *
 * @example
 * evaluatePlacement(policy, { workload: { dataClasses: ['ephi'] }, zone: 'standard-ai' }).reasons
 * // ['ePHI may only be placed in hipaa-ai; standard-ai is not among its allowed zones', …]
 */
export function evaluatePlacement(policy: LoadedPolicy, input: PlacementInput): Decision {
  const { pack } = policy;
  const { workload } = input;
  const rules: RuleResult[] = [];
  const obligations: string[] = [];
  const classes = [...new Set(workload.dataClasses)];
  if (classes.length === 0) rules.push(deny('workload.data_classes', 'a workload must declare its data classes'));

  const zone = own(pack.zones, input.zone);
  if (!zone) {
    rules.push(deny('zone.known', `zone ${input.zone} is not declared in policy ${pack.name} (declared zones: ${both(Object.keys(pack.zones))})`));
  }
  for (const name of classes) {
    const cls = own(pack.data_classes, name);
    if (!cls) {
      rules.push(deny('data_class.known', `data class ${name} is not declared in policy ${pack.name} (declared classes: ${both(Object.keys(pack.data_classes))})`));
      continue;
    }
    if (zone) rules.push(...classRules(pack, name, cls, input.zone, zone, workload));
    obligations.push(`keep ${classLabel(pack, name)} no longer than ${cls.retention.days} days`);
    if (cls.retention.legal_basis_required) obligations.push(`record the legal basis for processing ${classLabel(pack, name)}`);
  }
  if (zone) {
    const [workloadRules, workloadObligations] = zoneWorkloadRules(input.zone, zone, workload);
    rules.push(...workloadRules);
    obligations.unshift(...workloadObligations);
  }
  return decision('placement', rules, obligations, policy.hash);
}

function classRules(pack: PolicyPack, name: string, cls: DataClass, zoneName: string, zone: Zone, workload: Workload): RuleResult[] {
  const label = classLabel(pack, name);
  const rules = [
    cls.allowed_zones.includes(zoneName)
      ? allow('data_class.allowed_zones', `${label} may be placed in ${zoneName}`)
      : deny('data_class.allowed_zones', `${label} may only be placed in ${either(cls.allowed_zones)}; ${zoneName} is not among its allowed zones`),
  ];
  for (const key of REQUIREMENT_ORDER) {
    if (cls.requires[key] !== true) continue;
    const requirement = REQUIREMENTS[key];
    rules.push(
      requirement.met(zone)
        ? allow(`data_class.requires.${key}`, `${zoneName} ${requirement.has}, as ${label} requires`)
        : deny(`data_class.requires.${key}`, `${label} requires ${requirement.needs}; ${zoneName} ${requirement.lacks}`),
    );
  }
  if (cls.requires.no_external_llm_calls === true && workload.externalLlmCalls !== undefined) {
    rules.push(
      workload.externalLlmCalls
        ? deny('workload.external_llm_calls', `${label} may not be sent to external LLMs; the workload declares that it calls them`)
        : allow('workload.external_llm_calls', `the workload makes no calls to external LLMs, as ${label} requires`),
    );
  }
  return rules;
}

const WORKLOAD_REQUIREMENTS: Record<keyof WorkloadRequirements, { stated: keyof Workload; zone: string; ok: string; violation: string; obligation: string }> = {
  signed_images: {
    stated: 'signedImages',
    zone: 'runs only signed container images',
    ok: 'the workload runs signed images',
    violation: 'the workload declares unsigned images',
    obligation: 'run only signed container images',
  },
  encrypted_volumes: {
    stated: 'encryptedVolumes',
    zone: 'mounts only encrypted volumes',
    ok: 'the workload mounts encrypted volumes',
    violation: 'the workload declares unencrypted volumes',
    obligation: 'mount only encrypted volumes',
  },
  runtime_identity: {
    stated: 'runtimeIdentity',
    zone: 'requires a runtime workload identity',
    ok: 'the workload runs with a runtime identity',
    violation: 'the workload declares no runtime identity',
    obligation: 'run with a runtime workload identity',
  },
};

function zoneWorkloadRules(zoneName: string, zone: Zone, workload: Workload): [RuleResult[], string[]] {
  const rules: RuleResult[] = [];
  const obligations: string[] = [];
  for (const [key, words] of Object.entries(WORKLOAD_REQUIREMENTS) as [keyof WorkloadRequirements, (typeof WORKLOAD_REQUIREMENTS)[keyof WorkloadRequirements]][]) {
    if (!zone.workload_requirements[key]) continue;
    const stated = workload[words.stated];
    if (stated === undefined) obligations.push(`${words.obligation} (${zoneName} requires it)`);
    else if (stated === true) rules.push(allow(`zone.workload.${key}`, `${words.ok}, as ${zoneName} requires`));
    else rules.push(deny(`zone.workload.${key}`, `${zoneName} ${words.zone}; ${words.violation}`));
  }

  if (zone.egress.default === 'deny') {
    const allowList = zone.egress.allow ?? [];
    for (const requested of new Set(workload.egress ?? [])) {
      const host = requested.toLowerCase().replace(/\.$/, '');
      rules.push(
        allowList.includes(host)
          ? allow('zone.egress', `${zoneName} allows egress to ${host}`)
          : deny('zone.egress', `${zoneName} denies egress by default and ${host} is not on its allow list (${both(allowList)})`),
      );
    }
    obligations.push(allowList.length > 0 ? `send traffic out of ${zoneName} only to ${both(allowList)}` : `make no outbound connections from ${zoneName}`);
  }

  if (workload.externalLlmCalls === true && !zone.controls.external_llm_calls) {
    rules.push(deny('zone.external_llm_calls', `${zoneName} cannot reach external LLMs; the workload declares that it calls them`));
  }
  return [rules, obligations];
}
