import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { formatIssue, loadPolicy, PolicyError } from '../../src/policy/index.js';
import { edit, examplePolicy, exampleSource, issuesOf, MINI, placeOf, where } from './fixtures.js';

describe('loading a policy pack', () => {
  it('loads the shipped example and names its hash', () => {
    const policy = examplePolicy();
    assert.match(policy.hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(policy.source, exampleSource());
    assert.equal(policy.pack.version, 1);
    assert.ok(Object.isFrozen(policy.pack.zones['pci-ai']!.egress.allow), 'the parsed pack is frozen');
  });

  it('gives the same hash for the same text', () => {
    assert.equal(loadPolicy(exampleSource()).hash, examplePolicy().hash);
    assert.equal(loadPolicy(MINI, 'a.yaml').hash, loadPolicy(MINI, 'b.yaml').hash, 'the file name does not count');
  });

  it('gives the same hash when only comments, key order, quoting or layout change', () => {
    const reformatted = edit(
      edit(MINI, 'name: mini\n', '# a comment\nname: "mini" # quoted\n'),
      '    retention:\n      days: 30\n      legal_basis_required: true\n',
      '    retention: { legal_basis_required: true, days: 30 }\n',
    );
    const moved = edit(reformatted, 'version: 1\n', '') + 'version: 1\n';
    assert.equal(loadPolicy(moved).hash, loadPolicy(MINI).hash);
  });

  it('gives the same hash for any re-serialisation of the example (property)', () => {
    const value = parseDocument(exampleSource()).toJS() as unknown;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), fc.constantFrom('any', 'block', 'flow'), fc.integer({ min: 2, max: 6 }), (noise, collectionStyle, indent) => {
        const text = stringify(shuffled(value, noise), { collectionStyle: collectionStyle as 'any' | 'block' | 'flow', indent });
        assert.equal(loadPolicy(text).hash, examplePolicy().hash);
      }),
      { numRuns: 40 },
    );
  });

  it('gives a different hash when the meaning changes', () => {
    assert.notEqual(loadPolicy(edit(MINI, 'days: 30', 'days: 31')).hash, loadPolicy(MINI).hash);
    assert.notEqual(loadPolicy(edit(MINI, 'allow: [registry.internal]', 'allow: [registry.internal, other.internal]')).hash, loadPolicy(MINI).hash);
  });
});

describe('an invalid policy pack', () => {
  it('reports a YAML syntax error with its position', () => {
    const source = edit(MINI, 'allowed_zones: [closed]', 'allowed_zones: [closed');
    const issues = issuesOf(source);
    assert.equal(issues.length, 1);
    // The parser notices the unclosed list where the next key begins.
    assert.deepEqual(placeOf(issues), [{ ...where(source, '    requires:\n      audit_logging', 4), path: '/data_classes/secret' }]);
    assert.match(issues[0]!.message, /^YAML syntax error: /);
  });

  it('reports a misplaced colon where the parser finds it', () => {
    const source = edit(MINI, 'ingress: private', 'ingress: private: yes');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'private: yes'), path: '/zones/closed/ingress' }]);
    // Lines and columns are 1-based, as editors count them.
    assert.deepEqual(placeOf(issuesOf('version: 1\nname: x\n  description: y\n')).at(0), { line: 2, column: 7, path: '/name' });
  });

  it('reports a wrong type at the value', () => {
    const source = edit(MINI, 'days: 30', 'days: thirty');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'thirty'), path: '/data_classes/secret/retention/days' }]);
    assert.equal(issues[0]!.message, 'must be a whole number (found "thirty")');
  });

  it('takes an audit section naming known read kinds only, each once', () => {
    assert.deepEqual(loadPolicy(`${MINI}audit:\n  record_reads: [evidence_documents, run_provenance]\n`).pack.audit, { record_reads: ['evidence_documents', 'run_provenance'] });
    assert.deepEqual(loadPolicy(`${MINI}audit:\n  record_reads: []\n`).pack.audit, { record_reads: [] });
    const unknown = issuesOf(`${MINI}audit:\n  record_reads: [evidence_documents, everything]\n`);
    assert.equal(unknown[0]!.path, '/audit/record_reads/1');
    assert.equal(issuesOf(`${MINI}audit:\n  record_reads: [run_provenance, run_provenance]\n`)[0]!.path, '/audit/record_reads/1', 'the repeated one');
    assert.equal(issuesOf(`${MINI}audit: {}\n`)[0]!.path, '/audit/record_reads', 'a section must say what it records');
  });

  it('says why yes is not a boolean', () => {
    const issues = issuesOf(edit(MINI, 'redacted_logs: false', 'redacted_logs: no'));
    assert.equal(issues[0]!.path, '/zones/open/controls/redacted_logs');
    assert.match(issues[0]!.message, /YAML 1\.2 reads yes\/no\/on\/off as text/);
  });

  it('reports an unknown key at the key, suggesting the near one', () => {
    const source = edit(MINI, '    region: lab\n    ingress: public', '    region: lab\n    ingres: public');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [
      { ...where(source, 'zones:\n  open:', 9), path: '/zones/open/ingress' },
      { ...where(source, 'ingres:'), path: '/zones/open/ingres' },
    ]);
    assert.equal(issues[0]!.message, 'missing required key "ingress"');
    assert.equal(issues[1]!.message, 'unknown key "ingres" (did you mean "ingress"?)');
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    const source = edit(MINI, '    description: Closed zone.\n    region: lab\n', '    description: Closed zone.\n');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'closed:'), path: '/zones/closed/region' }]);
  });

  it('reports an allowed zone that is not declared', () => {
    const source = edit(MINI, 'allowed_zones: [closed]', 'allowed_zones: [closed, vault]');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'vault'), path: '/data_classes/secret/allowed_zones/1' }]);
    assert.equal(issues[0]!.message, 'zone "vault" is not declared under zones (declared: open, closed)');
  });

  it('reports an allowed zone that can never meet the class requirements', () => {
    const source = edit(MINI, 'allowed_zones: [closed]', 'allowed_zones: [open]');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'open]'), path: '/data_classes/secret/allowed_zones/0' }]);
    assert.match(issues[0]!.message, /requires private ingress, but zone open has public ingress/);
  });

  it('reports an unknown role', () => {
    const source = edit(MINI, 'may_assume: [admin]', 'may_assume: [root]');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'root'), path: '/break_glass/grants/0/may_assume/0' }]);
    assert.match(issues[0]!.message, /^must be one of: admin, steward, engineer, reviewer:business/);
  });

  it('reports a non-reviewer role as an approver', () => {
    const source = edit(MINI, 'role: reviewer:business', 'role: engineer');
    assert.deepEqual(placeOf(issuesOf(source)), [{ ...where(source, 'engineer'), path: '/risk_tiers/low/approvals/0/role' }]);
  });

  it('refuses break-glass longer than 60 minutes', () => {
    const source = edit(MINI, 'max_minutes: 30', 'max_minutes: 120');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, '120'), path: '/break_glass/max_minutes' }]);
    assert.equal(issues[0]!.message, 'must be at most 60 (found 120)');
  });

  it('reports a duplicate key at the second occurrence', () => {
    const source = edit(MINI, '    ingress: private\n', '    ingress: private\n    region: basement\n');
    const issues = issuesOf(source);
    assert.deepEqual(placeOf(issues), [{ ...where(source, 'region: basement'), path: '/zones/closed/region' }]);
    assert.match(issues[0]!.message, /^duplicate key "region"/);
  });

  it('collects every issue, in reading order', () => {
    const source = edit(edit(edit(MINI, 'ingress: public', 'ingress: internet'), 'allowed_zones: [closed]', 'allowed_zones: [vault]'), 'max_minutes: 30', 'max_minutes: 120');
    const issues = issuesOf(source);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/zones/open/ingress', '/data_classes/secret/allowed_zones/0', '/break_glass/max_minutes'],
    );
  });

  it('summarises the first issue in its message', () => {
    const source = edit(edit(MINI, 'days: 30', 'days: 0'), 'max_minutes: 30', 'max_minutes: 0');
    try {
      loadPolicy(source, 'policy/mini.yaml');
      assert.fail('loaded');
    } catch (err) {
      assert.ok(err instanceof PolicyError);
      const { line, column } = where(source, 'days: 0', 6);
      assert.equal(err.message, `policy/mini.yaml:${line}:${column}: /data_classes/secret/retention/days: must be at least 1 (found 0) (and 1 more issue)`);
      assert.equal(formatIssue(err.issues[0]!), err.message.replace(' (and 1 more issue)', ''));
    }
  });

  it('turns hostile input into issues, never a crash', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    for (const source of ['', '- a list\n', 'x: &a [*a]\n', bomb, edit(MINI, 'A small pack for tests.', '"\\ud800"'), edit(MINI, 'name: mini', 'name: mini\n__proto__: { polluted: true }'), 'a: !!binary aGVsbG8=\n', '%YAML 9.9\n---\na: 1\n']) {
      assert.ok(issuesOf(source).length > 0, JSON.stringify(source));
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('accepts anchors, aliases and merge keys', () => {
    const source = edit(
      edit(MINI, '    controls:\n      audit_logging: true\n      redacted_logs: true', '    controls: &locked\n      audit_logging: true\n      redacted_logs: true'),
      '    controls:\n      audit_logging: true\n      redacted_logs: false\n      network_segmentation: false\n      encrypted_volumes: true\n      external_llm_calls: true\n',
      '    controls:\n      <<: *locked\n      redacted_logs: false\n      network_segmentation: false\n      external_llm_calls: true\n',
    );
    // The anchor is defined in `closed`, after `open`: move `closed` first.
    const closedFirst = source.replace(/(  open:\n[\s\S]*?)(  closed:\n[\s\S]*?)(data_classes:)/, '$2$1$3');
    assert.equal(loadPolicy(closedFirst).hash, loadPolicy(MINI).hash);
  });
});

/** The same value with every mapping's keys in an order drawn from `noise`. */
function shuffled(value: unknown, noise: readonly number[], depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, noise, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const n = noise[depth % noise.length]!;
  const keyed = entries.map(([k, v], i) => [(n * 31 + i * 17 + k.length) % 97, k, shuffled(v, noise, depth + 1)] as const);
  return Object.fromEntries(keyed.sort((a, b) => a[0] - b[0]).map(([, k, v]) => [k, v]));
}
