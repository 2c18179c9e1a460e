import { allow, decision, deny, type Decision, type LoadedPolicy, type RuleResult } from '../policy/index.js';
import { runPlacement } from './run-placement.js';

/** What certification looks at: the dataset's metadata and the states of its inputs. */
export interface CertificationInput {
  readonly digest: string;
  readonly owner: string | null;
  readonly dataClasses: readonly string[];
  readonly legalBasis: string | null;
  readonly objectCount: number;
  readonly inputs: readonly { digest: string; state: string }[];
}

/**
 * quarantine → certified: classes present and known, owner set, legal basis present wherever a
 * class requires one (personal data), manifest complete, and every input of a derivation certified.
 * Every rule is reported, so a steward sees all that is missing at once.
 */
export function evaluateCertification(policy: LoadedPolicy, d: CertificationInput): Decision {
  const rules: RuleResult[] = [];
  const classes = policy.pack.data_classes;
  if (d.dataClasses.length === 0) rules.push(deny('dataset.classes_present', 'the dataset declares no data class'));
  else rules.push(allow('dataset.classes_present', `the dataset declares its data classes: ${d.dataClasses.join(', ')}`));
  const unknown = d.dataClasses.filter((c) => !Object.hasOwn(classes, c));
  if (unknown.length > 0) rules.push(deny('dataset.classes_known', `data classes not in the policy: ${unknown.join(', ')}`));
  if (d.owner) rules.push(allow('dataset.owner_set', `owned by ${d.owner}`));
  else rules.push(deny('dataset.owner_set', 'the dataset has no owner'));
  for (const c of d.dataClasses) {
    if (!classes[c]?.retention.legal_basis_required) continue;
    if (d.legalBasis) rules.push(allow('dataset.legal_basis', `${c} requires a legal basis: ${d.legalBasis}`));
    else rules.push(deny('dataset.legal_basis', `${c} requires a legal basis (e.g. consent, contract, legal obligation) and none is recorded`));
  }
  if (d.objectCount > 0) rules.push(allow('dataset.manifest_complete', `the manifest lists ${d.objectCount} objects, each with size and SHA-256`));
  else rules.push(deny('dataset.manifest_complete', 'the manifest lists no object'));
  for (const input of d.inputs) {
    if (input.state === 'certified') rules.push(allow('dataset.inputs_certified', `input ${input.digest} is certified`));
    else rules.push(deny('dataset.inputs_certified', `input ${input.digest} is ${input.state}, not certified`));
  }
  return decision('dataset.certify', rules, [], policy.hash);
}

/**
 * May a training run read these datasets, there? Certified inputs are allowed; unknown or
 * quarantined ones only where the policy's `training` section says so; and, given the run's zone,
 * the data classes of the inputs must be allowed in it (runPlacement). Every rule is listed.
 */
export function evaluateRunInputs(policy: LoadedPolicy, inputs: readonly { digest: string; state: string | undefined; dataClasses?: readonly string[] | undefined }[], zone?: string): Decision {
  const training = policy.pack.training ?? {};
  const rules: RuleResult[] = [];
  if (inputs.length === 0) rules.push(allow('run.inputs', 'the run declares no input dataset (its lineage will be incomplete)'));
  for (const { digest, state } of inputs) {
    if (state === 'certified') rules.push(allow('run.inputs_certified', `${digest} is certified`));
    else if (state === undefined) {
      rules.push(
        training.allow_unknown_inputs
          ? allow('training.allow_unknown_inputs', `${digest} is not registered; the policy allows unregistered inputs`)
          : deny('run.inputs_known', `${digest} is not a registered dataset version`),
      );
    } else if (state === 'quarantine') {
      rules.push(
        training.allow_quarantined_inputs
          ? allow('training.allow_quarantined_inputs', `${digest} is still in quarantine; the policy allows quarantined inputs`)
          : deny('run.inputs_certified', `${digest} is in quarantine: a steward must certify it before training`),
      );
    } else rules.push(deny('run.inputs_certified', `${digest} is ${state}`));
  }
  if (zone === undefined) return decision('run.inputs', rules, [], policy.hash);
  const placement = runPlacement(policy, [...new Set(inputs.flatMap((i) => i.dataClasses ?? []))].sort(), zone);
  return decision('run.inputs', [...rules, ...placement.rules], placement.obligations, policy.hash);
}
