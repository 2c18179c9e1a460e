import assert from 'node:assert/strict';
import fs from 'node:fs';
import { examplePolicyPath, loadPolicy, PolicyError, type LoadedPolicy, type PolicyIssue } from '../../src/policy/index.js';

export const exampleSource = (): string => fs.readFileSync(examplePolicyPath(), 'utf8');

let example: LoadedPolicy | undefined;
export function examplePolicy(): LoadedPolicy {
  example ??= loadPolicy(exampleSource(), 'example-pack.yaml');
  return example;
}

/** A small valid pack; tests derive broken ones from it by text replacement. */
export const MINI = `version: 1
name: mini
description: A small pack for tests.
zones:
  open:
    description: Open zone.
    region: lab
    ingress: public
    egress:
      default: allow
    controls:
      audit_logging: true
      redacted_logs: false
      network_segmentation: false
      encrypted_volumes: true
      external_llm_calls: true
    workload_requirements:
      signed_images: false
      encrypted_volumes: false
      runtime_identity: false
  closed:
    description: Closed zone.
    region: lab
    ingress: private
    egress:
      default: deny
      allow: [registry.internal]
    controls:
      audit_logging: true
      redacted_logs: true
      network_segmentation: true
      encrypted_volumes: true
      external_llm_calls: false
    workload_requirements:
      signed_images: true
      encrypted_volumes: true
      runtime_identity: true
data_classes:
  public:
    description: Public data.
    allowed_zones: [open, closed]
    requires: {}
    retention:
      days: 365
      legal_basis_required: false
  secret:
    description: Secret data.
    allowed_zones: [closed]
    requires:
      audit_logging: true
      private_ingress: true
    retention:
      days: 30
      legal_basis_required: true
risk_tiers:
  low:
    description: Low risk.
    required_evidence:
      - kind: evaluation
    approvals:
      - role: reviewer:business
        count: 1
    rollback_plan_required: false
    monitoring_required: false
    approval_validity_days: 365
artifacts:
  signature_required: true
  scan_required: true
  licence_allow_list: [Apache-2.0]
  max_age_days_before_review: 90
break_glass:
  max_minutes: 30
  grants:
    - eligible_roles: [operator]
      may_assume: [admin]
`;

/** `source` with the one occurrence of `from` replaced by `to` (failing loudly if not exactly one). */
export function edit(source: string, from: string, to: string): string {
  assert.equal(source.split(from).length, 2, `exactly one occurrence of ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

/** 1-based line and column of the one occurrence of `marker` in `source`, plus `shift` characters. */
export function where(source: string, marker: string, shift = 0): { line: number; column: number } {
  assert.equal(source.split(marker).length, 2, `exactly one occurrence of ${JSON.stringify(marker)}`);
  const before = source.slice(0, source.indexOf(marker) + shift).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** The issues loading `source` reports; fails if it loads. */
export function issuesOf(source: string, file = 'pack.yaml'): readonly PolicyIssue[] {
  try {
    loadPolicy(source, file);
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected a PolicyError, got ${String(err)}`);
    assert.equal(err.code, 'policy_invalid');
    return err.issues;
  }
  assert.fail('the pack loaded, but it should not have');
}

/** Line, column and path of each issue: what the tests compare. */
export const placeOf = (issues: readonly PolicyIssue[]) => issues.map(({ line, column, path }) => ({ line, column, path }));
