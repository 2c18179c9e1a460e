import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataClassesOf, READ_KINDS, zonesOf } from '../../src/policy/index.js';
import { examplePolicy, exampleSource } from './fixtures.js';

const REGULATED = ['hipaa-ai', 'pci-ai', 'regulated-ai-eu', 'regulated-ai-us'];

describe('the shipped example pack', () => {
  it('declares the five zones and six data classes', () => {
    assert.deepEqual(zonesOf(examplePolicy()), ['hipaa-ai', 'pci-ai', 'regulated-ai-eu', 'regulated-ai-us', 'standard-ai']);
    assert.deepEqual(dataClassesOf(examplePolicy()), ['cardholder_data', 'ephi', 'financial_reporting', 'internal', 'personal_data', 'public']);
  });

  it('keeps regulated zones private, deny-by-default, with the three internal hosts and strict workloads', () => {
    const { zones } = examplePolicy().pack;
    for (const name of REGULATED) {
      const zone = zones[name]!;
      assert.equal(zone.ingress, 'private', name);
      assert.deepEqual(zone.egress, { default: 'deny', allow: ['model-registry.internal', 'feature-store.internal', 'audit-log-sink.internal'] }, name);
      assert.deepEqual(zone.workload_requirements, { signed_images: true, encrypted_volumes: true, runtime_identity: true }, name);
      assert.equal(zone.controls.external_llm_calls, false, name);
    }
  });

  it('maps data classes to zones as required', () => {
    const { data_classes: classes } = examplePolicy().pack;
    assert.deepEqual(classes['public']!.allowed_zones, ['standard-ai']);
    assert.deepEqual(classes['personal_data']!.allowed_zones, ['regulated-ai-eu', 'regulated-ai-us']);
    assert.equal(classes['personal_data']!.requires.redacted_logs, true);
    assert.deepEqual(classes['ephi']!.allowed_zones, ['hipaa-ai']);
    assert.equal(classes['ephi']!.requires.private_ingress, true);
    assert.equal(classes['ephi']!.requires.audit_logging, true);
    assert.deepEqual(classes['cardholder_data']!.allowed_zones, ['pci-ai']);
    assert.equal(classes['cardholder_data']!.requires.network_segmentation, true);
    assert.equal(classes['cardholder_data']!.requires.no_external_llm_calls, true);
  });

  it('puts credit, triage and eligibility in the high tier with its evidence and approvers', () => {
    const high = examplePolicy().pack.risk_tiers['high']!;
    assert.deepEqual(high.use_cases, ['credit', 'triage', 'eligibility']);
    assert.deepEqual(high.required_evidence.map((e) => e.kind), ['evaluation', 'fairness', 'red_team', 'security_review', 'rollback_plan', 'monitoring_plan']);
    assert.deepEqual(high.approvals.map((a) => a.role), ['reviewer:business', 'reviewer:model-risk', 'reviewer:compliance']);
    assert.equal(high.rollback_plan_required, true);
    assert.equal(high.monitoring_required, true);
    assert.deepEqual(Object.keys(examplePolicy().pack.risk_tiers), ['low', 'medium', 'high']);
  });

  it('caps break-glass at 60 minutes and lets operators assume admin', () => {
    const { break_glass: breakGlass } = examplePolicy().pack;
    assert.equal(breakGlass.max_minutes, 60);
    assert.ok(breakGlass.grants.some((g) => g.eligible_roles.includes('operator') && g.may_assume.includes('admin')));
  });

  it('is commented for its readers', () => {
    const comments = exampleSource().split('\n').filter((line) => line.includes('#')).length;
    assert.ok(comments > 40, `${comments} commented lines`);
  });

  it('records every kind of sensitive read', () => {
    assert.deepEqual(examplePolicy().pack.audit?.record_reads, [...READ_KINDS]);
  });
});
