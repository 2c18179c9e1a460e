import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { UNDERSTOOD_KINDS, checkAdmissionOptions, parseAdmissionConfig, zoneOfNamespace } from '../../src/deployments/index.js';
import { workloadOf } from '../../src/deployments/admission/workload-models.js';
import { loadPolicy } from '../../src/policy/index.js';
import { examplePolicyPath } from '../../src/policy/index.js';

const policy = loadPolicy(fs.readFileSync(examplePolicyPath(), 'utf8'), 'example-pack.yaml');
const doc = fs.readFileSync(new URL('../../../../../docs/deployments.md', import.meta.url), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('admission convention', () => {
  it('finds the zone in the namespace map, then `*`, then a namespace named after a zone — never in the object', () => {
    const options = checkAdmissionOptions({ namespaceZones: { 'clinical-prod': 'hipaa-ai', '*': 'regulated-ai-eu' } }, 'test');
    assert.equal(zoneOfNamespace('clinical-prod', options, policy).zone, 'hipaa-ai');
    assert.equal(zoneOfNamespace('standard-ai', options, policy).zone, 'regulated-ai-eu', '`*` is the operator speaking; it wins over a name');
    assert.equal(zoneOfNamespace('standard-ai', {}, policy).zone, 'standard-ai');
    assert.equal(zoneOfNamespace('default', {}, policy).zone, undefined);
    assert.equal(zoneOfNamespace(undefined, {}, policy).zone, undefined);
    assert.equal(zoneOfNamespace('constructor', {}, policy).zone, undefined, 'inherited names are not zones');
  });

  it('checks the admission configuration strictly, naming every problem', () => {
    assert.deepEqual(parseAdmissionConfig('namespaceZones:\n  a: hipaa-ai\n', 'a.yaml'), { namespaceZones: { a: 'hipaa-ai' }, unknownKinds: 'deny' });
    assert.deepEqual(parseAdmissionConfig('', 'empty.yaml'), { namespaceZones: {}, unknownKinds: 'deny' }, 'fail closed by default');
    assert.throws(() => parseAdmissionConfig('namespaceZone: {}\nunknownKinds: maybe\n', 'b.yaml'), /^Error: b\.yaml: unknown key "namespaceZone".*; unknownKinds must be "deny" or "allow"$/);
    assert.throws(() => parseAdmissionConfig('namespaceZones:\n  Bad_NS: hipaa-ai\n  ok: 3\n', 'c.yaml'), /"Bad_NS" is not a namespace name.*namespaceZones\.ok must be a zone name/);
    assert.throws(() => parseAdmissionConfig('namespaceZones: [a]\n', 'd.yaml'), /namespaceZones must map/);
    assert.throws(() => parseAdmissionConfig('a: 1\na: 2\n', 'e.yaml'), /not valid YAML/);
  });

  it('reads model claims from pods and every workload template, ignoring what is not a claim', () => {
    const pod = {
      metadata: { name: 'p', annotations: { 'cairn.dev/model-version': ' mv_a ,mv_b,, ', 'cairn.dev/zone': 'hipaa-ai' } },
      spec: {
        initContainers: [{ name: 'fetch', image: `r/fetch@${digest('a')}` }],
        containers: [{ name: 'serve', image: `r/serve:1.0@${digest('b')}` }, { name: 'tag-only', image: 'r/serve:1.0' }, { name: 'upper', image: `r/x@sha256:${'A'.repeat(64)}` }, { image: 42 }],
        ephemeralContainers: [{ name: 'debug', image: `r/debug@${digest('c')}` }],
      },
    };
    const w = workloadOf({ group: '', version: 'v1', kind: 'Pod' }, pod)!;
    assert.deepEqual(w.claims.map((c) => [c.key, c.container]), [
      ['version:mv_a', null],
      ['version:mv_b', null],
      [`digest:${digest('a')}`, 'fetch'],
      [`digest:${digest('b')}`, 'serve'],
      [`digest:${digest('c')}`, 'debug'],
    ]);
    assert.deepEqual(w.declaredZones, ['hipaa-ai']);
    assert.deepEqual(
      w.images.map((i) => [i.list, i.container, i.image]),
      [
        ['initContainers', 'fetch', `r/fetch@${digest('a')}`],
        ['containers', 'serve', `r/serve:1.0@${digest('b')}`],
        ['containers', 'tag-only', 'r/serve:1.0'],
        ['containers', 'upper', `r/x@sha256:${'A'.repeat(64)}`],
        ['containers', '(unnamed)', '(none)'],
        ['ephemeralContainers', 'debug', `r/debug@${digest('c')}`],
      ],
      'every image, for zones that admit only known ones; one that is not text is still a container',
    );
    const cron = workloadOf({ group: 'batch', version: 'v1', kind: 'CronJob' }, { metadata: { name: 'c', annotations: { 'cairn.dev/model-version': 'mv_top' } }, spec: { jobTemplate: { spec: { template: pod } } } })!;
    assert.deepEqual(cron.claims.map((c) => c.key).slice(0, 3), ['version:mv_top', 'version:mv_a', 'version:mv_b'], 'the object and its template');
    assert.equal(workloadOf({ group: 'serving.knative.dev', version: 'v1', kind: 'Deployment' }, pod), undefined, 'group and kind, not kind alone');
    assert.equal(workloadOf({ group: '', version: 'v1', kind: '__proto__' }, pod), undefined);
  });

  it('property: any object, however shaped, yields claims or nothing — never an exception', () => {
    const kinds = UNDERSTOOD_KINDS.map((k) => (k.includes('/') ? { group: k.split('/')[0]!, kind: k.split('/')[1]! } : { group: '', kind: k }));
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.anything({ withObjectString: true, withNullPrototype: true }), (k, object) => {
        const w = workloadOf({ ...k, version: 'v1' }, object as Record<string, unknown>);
        assert.ok(w === undefined || Array.isArray(w.claims));
      }),
      { numRuns: 500 },
    );
  });

  it("the documentation's configuration examples are valid and cover exactly the kinds Cairn reads", () => {
    const config = yamlBlocks.find((b) => b.startsWith('# admission.yaml'));
    assert.ok(config, 'docs/deployments.md has an admission.yaml example');
    const options = parseAdmissionConfig(config, 'docs/deployments.md');
    for (const zone of Object.values(options.namespaceZones ?? {})) assert.ok(Object.hasOwn(policy.pack.zones, zone), `${zone} is a zone of the example pack`);

    const webhookDoc = yamlBlocks.map((b) => parseAllDocuments(b).map((d) => d.toJS())).flat().find((d) => d?.kind === 'ValidatingWebhookConfiguration');
    assert.ok(webhookDoc, 'docs/deployments.md has a ValidatingWebhookConfiguration');
    const [hook] = webhookDoc.webhooks;
    assert.deepEqual(hook.admissionReviewVersions, ['v1']);
    assert.equal(hook.sideEffects, 'NoneOnDryRun', 'decisions are recorded, except on dry runs');
    assert.match(hook.clientConfig.url, /^https:\/\/[^/]+\/api\/v1\/admission\/validate$/);
    const covered = hook.rules.flatMap((r: { apiGroups: string[]; resources: string[] }) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`)).sort();
    const expected = UNDERSTOOD_KINDS.map((k) => (k.includes('/') ? k : `/${k}`)).map((k) => `${k.split('/')[0]}/${k.split('/')[1]!.toLowerCase()}s`).sort();
    assert.deepEqual(covered, expected);
    const kubeconfig = yamlBlocks.map((b) => parseAllDocuments(b).map((d) => d.toJS())).flat().find((d) => d?.kind === 'Config');
    assert.equal(kubeconfig.users[0].name, new URL(hook.clientConfig.url).host, 'the kubeconfig user is named after the webhook host:port');
  });
});
