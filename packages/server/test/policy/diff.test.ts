import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffPolicies, loadPolicy } from '../../src/policy/index.js';
import { edit, examplePolicy, exampleSource, MINI } from './fixtures.js';

const mini = () => loadPolicy(MINI);

describe('policy diff', () => {
  it('finds nothing between a pack and itself, or a reformatted copy', () => {
    assert.deepEqual(diffPolicies(examplePolicy(), examplePolicy()), []);
    assert.deepEqual(diffPolicies(mini(), loadPolicy(edit(MINI, 'days: 30\n', 'days: 30 # a month\n'))), []);
  });

  it('shows a changed zone property as one replace at its path', () => {
    const moved = loadPolicy(edit(exampleSource(), 'payments data centre DC-P1', 'payments data centre DC-P2'));
    assert.deepEqual(diffPolicies(examplePolicy(), moved), [
      { path: '/zones/pci-ai/region', op: 'replace', from: 'eu-central, payments data centre DC-P1', to: 'eu-central, payments data centre DC-P2' },
    ]);
    const opened = loadPolicy(edit(MINI, '      redacted_logs: false', '      redacted_logs: true'));
    assert.deepEqual(diffPolicies(mini(), opened), [{ path: '/zones/open/controls/redacted_logs', op: 'replace', from: false, to: true }]);
  });

  it('shows an added and a removed data class', () => {
    const withoutPublic = MINI.replace(/  public:\n[\s\S]*?(  secret:)/, '$1');
    const added = edit(withoutPublic, 'risk_tiers:', '  research:\n    description: Research data.\n    allowed_zones: [closed]\n    requires: {}\n    retention: { days: 90, legal_basis_required: false }\nrisk_tiers:');
    const changes = diffPolicies(mini(), loadPolicy(added));
    assert.deepEqual(
      changes.map(({ path, op }) => ({ path, op })),
      [
        { path: '/data_classes/public', op: 'remove' },
        { path: '/data_classes/research', op: 'add' },
      ],
    );
    assert.deepEqual(changes[1]!.to, { description: 'Research data.', allowed_zones: ['closed'], requires: {}, retention: { days: 90, legal_basis_required: false } });
    assert.equal((changes[0]!.from as { description: string }).description, 'Public data.');
  });

  it('compares lists item by item and sorts changes by path', () => {
    const next = loadPolicy(edit(edit(MINI, 'allow: [registry.internal]', 'allow: [registry.internal, features.internal]'), 'max_minutes: 30', 'max_minutes: 15'));
    assert.deepEqual(diffPolicies(mini(), next), [
      { path: '/break_glass/max_minutes', op: 'replace', from: 30, to: 15 },
      { path: '/zones/closed/egress/allow/1', op: 'add', to: 'features.internal' },
    ]);
  });

  it('reports every top-level section as added when there is no previous pack', () => {
    const changes = diffPolicies(undefined, mini());
    assert.deepEqual(
      changes.map((c) => [c.path, c.op]),
      ['/artifacts', '/break_glass', '/data_classes', '/description', '/name', '/risk_tiers', '/version', '/zones'].map((p) => [p, 'add']),
    );
    assert.equal(changes.find((c) => c.path === '/version')!.to, 1);
  });
});
