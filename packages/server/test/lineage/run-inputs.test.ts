import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { evaluateCertification, evaluateRunInputs } from '../../src/lineage/dataset-rules.js';
import { examplePolicyPath, loadPolicy } from '../../src/policy/index.js';

const source = fs.readFileSync(examplePolicyPath(), 'utf8');
const strict = loadPolicy(source, 'example.yaml');
const lenient = loadPolicy(source.replace('allow_quarantined_inputs: false', 'allow_quarantined_inputs: true').replace('allow_unknown_inputs: false', 'allow_unknown_inputs: true'), 'lenient.yaml');

describe('run input rules', () => {
  it('allows certified inputs and refuses quarantined and unknown ones under the example pack', () => {
    assert.equal(evaluateRunInputs(strict, [{ digest: 'sha256:a', state: 'certified' }]).allowed, true);
    const d = evaluateRunInputs(strict, [{ digest: 'sha256:a', state: 'quarantine' }, { digest: 'sha256:b', state: undefined }, { digest: 'sha256:c', state: 'deprecated' }]);
    assert.equal(d.allowed, false);
    assert.deepEqual(d.rules.map((r) => r.rule), ['run.inputs_certified', 'run.inputs_known', 'run.inputs_certified']);
    assert.equal(d.policy, strict.hash);
  });

  it('lets a pack allow quarantined and unregistered inputs, saying so in the decision', () => {
    const d = evaluateRunInputs(lenient, [{ digest: 'sha256:a', state: 'quarantine' }, { digest: 'sha256:b', state: undefined }]);
    assert.equal(d.allowed, true);
    assert.deepEqual(d.rules.map((r) => r.rule), ['training.allow_quarantined_inputs', 'training.allow_unknown_inputs']);
    assert.equal(evaluateRunInputs(lenient, [{ digest: 'sha256:c', state: 'deprecated' }]).allowed, false, 'deprecated data stays refused');
  });

  it('certification lists every failed rule at once', () => {
    const d = evaluateCertification(strict, { digest: 'sha256:x', owner: null, dataClasses: ['personal_data', 'alien'], legalBasis: null, objectCount: 0, inputs: [{ digest: 'sha256:i', state: 'quarantine' }] });
    assert.equal(d.allowed, false);
    assert.deepEqual(
      d.rules.filter((r) => r.effect === 'deny').map((r) => r.rule),
      ['dataset.classes_known', 'dataset.owner_set', 'dataset.legal_basis', 'dataset.manifest_complete', 'dataset.inputs_certified'],
    );
  });
});
