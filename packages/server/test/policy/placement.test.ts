import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluatePlacement, type Decision, type PlacementInput } from '../../src/policy/index.js';
import { examplePolicy } from './fixtures.js';

const place = (zone: string, dataClasses: string[], workload: Omit<PlacementInput['workload'], 'dataClasses'> = {}): Decision =>
  evaluatePlacement(examplePolicy(), { zone, workload: { dataClasses, ...workload } });

const denied = (decision: Decision) => decision.rules.filter((r) => r.effect === 'deny').map((r) => r.rule);

describe('placement', () => {
  it('refuses ePHI in standard-ai, naming where ePHI may go', () => {
    const decision = place('standard-ai', ['ephi']);
    assert.equal(decision.kind, 'decision');
    assert.equal(decision.question, 'placement');
    assert.equal(decision.allowed, false);
    assert.equal(decision.reasons[0], 'ePHI may only be placed in hipaa-ai; standard-ai is not among its allowed zones');
    assert.deepEqual(denied(decision), [
      'data_class.allowed_zones',
      'data_class.requires.private_ingress',
      'data_class.requires.redacted_logs',
      'data_class.requires.no_external_llm_calls',
    ]);
    assert.deepEqual(decision.reasons, decision.rules.filter((r) => r.effect === 'deny').map((r) => r.reason));
    assert.deepEqual(decision.obligations, []);
    assert.equal(decision.policy, examplePolicy().hash);
  });

  it('allows ePHI in hipaa-ai, with what must hold at run time', () => {
    const decision = place('hipaa-ai', ['ephi']);
    assert.equal(decision.allowed, true);
    assert.ok(decision.rules.every((r) => r.effect === 'allow'));
    assert.ok(decision.rules.some((r) => r.rule === 'data_class.requires.audit_logging'));
    assert.ok(decision.reasons.includes('hipaa-ai has private ingress, as ePHI requires'));
    assert.deepEqual(decision.obligations, [
      'run only signed container images (hipaa-ai requires it)',
      'mount only encrypted volumes (hipaa-ai requires it)',
      'run with a runtime workload identity (hipaa-ai requires it)',
      'send traffic out of hipaa-ai only to model-registry.internal, feature-store.internal and audit-log-sink.internal',
      'keep ePHI no longer than 2190 days',
    ]);
  });

  it('turns stated workload properties into allow rules instead of obligations', () => {
    const decision = place('hipaa-ai', ['ephi'], { signedImages: true, encryptedVolumes: true, runtimeIdentity: true, egress: ['audit-log-sink.internal'], externalLlmCalls: false });
    assert.equal(decision.allowed, true);
    assert.ok(decision.rules.some((r) => r.rule === 'zone.workload.signed_images' && r.effect === 'allow'));
    assert.ok(decision.rules.some((r) => r.rule === 'zone.egress' && r.effect === 'allow'));
    assert.ok(!decision.obligations.some((o) => o.startsWith('run only signed')));
  });

  it('refuses cardholder data where external LLMs are reachable and the network is not segmented', () => {
    const decision = place('standard-ai', ['cardholder_data']);
    assert.equal(decision.allowed, false);
    assert.ok(denied(decision).includes('data_class.requires.no_external_llm_calls'));
    assert.ok(denied(decision).includes('data_class.requires.network_segmentation'));
    assert.ok(decision.reasons.includes('cardholder data requires network segmentation; standard-ai is not network-segmented'));
    assert.ok(decision.reasons.includes('cardholder data requires no calls to external LLMs; standard-ai allows calls to external LLMs'));
  });

  it('refuses a cardholder-data workload that calls external LLMs, even in pci-ai', () => {
    const decision = place('pci-ai', ['cardholder_data'], { externalLlmCalls: true });
    assert.equal(decision.allowed, false);
    assert.deepEqual(denied(decision), ['workload.external_llm_calls', 'zone.external_llm_calls']);
    assert.equal(place('pci-ai', ['cardholder_data']).allowed, true);
  });

  it('allows personal data in regulated-ai-eu and refuses it in standard-ai', () => {
    const eu = place('regulated-ai-eu', ['personal_data']);
    assert.equal(eu.allowed, true);
    assert.ok(eu.obligations.includes('record the legal basis for processing personal data'));
    const standard = place('standard-ai', ['personal_data']);
    assert.equal(standard.allowed, false);
    assert.equal(standard.reasons[0], 'personal data may only be placed in regulated-ai-eu or regulated-ai-us; standard-ai is not among its allowed zones');
    assert.ok(standard.reasons.includes('personal data requires redacted logs; standard-ai does not redact its logs'));
  });

  it('requires every class of a workload to be satisfied', () => {
    assert.equal(place('regulated-ai-us', ['personal_data', 'financial_reporting']).allowed, true);
    const mixed = place('regulated-ai-eu', ['personal_data', 'ephi']);
    assert.equal(mixed.allowed, false);
    assert.deepEqual(mixed.reasons, ['ePHI may only be placed in hipaa-ai; regulated-ai-eu is not among its allowed zones']);
  });

  it('allows public data in standard-ai, where only a runtime identity is required of workloads', () => {
    const decision = place('standard-ai', ['public']);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.reasons, ['public data may be placed in standard-ai']);
    assert.deepEqual(decision.obligations, ['run with a runtime workload identity (standard-ai requires it)', 'keep public data no longer than 3650 days']);
  });

  it('refuses an unknown zone or data class, saying what is declared', () => {
    const zone = place('moon-ai', ['public']);
    assert.equal(zone.allowed, false);
    assert.deepEqual(denied(zone), ['zone.known']);
    assert.match(zone.reasons[0]!, /^zone moon-ai is not declared in policy example-regulated-ai-factory \(declared zones: standard-ai, /);
    const cls = place('standard-ai', ['public', 'gossip']);
    assert.equal(cls.allowed, false);
    assert.deepEqual(denied(cls), ['data_class.known']);
    assert.match(cls.reasons[0]!, /^data class gossip is not declared/);
    assert.equal(place('__proto__', ['constructor']).allowed, false, 'inherited names are not declarations');
  });

  it('refuses a workload that declares no data class', () => {
    const decision = place('standard-ai', []);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.reasons, ['a workload must declare its data classes']);
  });

  it('refuses egress to a host not on a regulated zone allow list', () => {
    const decision = place('regulated-ai-eu', ['personal_data'], { egress: ['feature-store.internal', 'api.openai.com'] });
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.reasons, [
      'regulated-ai-eu denies egress by default and api.openai.com is not on its allow list (model-registry.internal, feature-store.internal and audit-log-sink.internal)',
    ]);
    assert.equal(place('standard-ai', ['public'], { egress: ['api.openai.com'] }).allowed, true, 'standard-ai allows egress by default');
  });

  it('refuses unsigned images, unencrypted volumes or no runtime identity where the zone requires them', () => {
    assert.deepEqual(denied(place('pci-ai', ['cardholder_data'], { signedImages: false })), ['zone.workload.signed_images']);
    assert.equal(place('pci-ai', ['cardholder_data'], { signedImages: false }).reasons[0], 'pci-ai runs only signed container images; the workload declares unsigned images');
    assert.deepEqual(denied(place('pci-ai', ['cardholder_data'], { encryptedVolumes: false })), ['zone.workload.encrypted_volumes']);
    assert.deepEqual(denied(place('pci-ai', ['cardholder_data'], { runtimeIdentity: false })), ['zone.workload.runtime_identity']);
    assert.equal(place('standard-ai', ['public'], { signedImages: false }).allowed, true, 'standard-ai does not require signed images');
  });

  it('decides consistently for any input (property)', () => {
    const zones = ['standard-ai', 'hipaa-ai', 'pci-ai', 'regulated-ai-eu', 'regulated-ai-us', 'nowhere'];
    const classes = ['public', 'internal', 'personal_data', 'ephi', 'cardholder_data', 'financial_reporting', 'unknown'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.uniqueArray(fc.constantFrom(...classes), { maxLength: 3 }),
        fc.record({ signedImages: fc.boolean(), encryptedVolumes: fc.boolean(), runtimeIdentity: fc.boolean(), externalLlmCalls: fc.boolean(), egress: fc.array(fc.constantFrom('feature-store.internal', 'example.com')) }, { requiredKeys: [] }),
        (zone, dataClasses, workload) => {
          const decision = place(zone, dataClasses, workload);
          const anyDeny = decision.rules.some((r) => r.effect === 'deny');
          assert.equal(decision.allowed, !anyDeny);
          assert.ok(decision.reasons.length > 0);
          if (!decision.allowed) assert.deepEqual(decision.obligations, []);
          // Adding a class never turns a refusal into an allowance (once some class is declared).
          if (!decision.allowed && dataClasses.length > 0) assert.equal(place(zone, [...dataClasses, 'public'], workload).allowed, false);
        },
      ),
    );
  });
});
