import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningCairn } from '../helpers/cairn.js';
import { sha } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { TRITON, entriesOfKind, seedModel, startCairnWith } from './helpers.js';

after(cleanupStores);

// clinical-prod → hipaa-ai and eu-apps → regulated-ai-eu require signed images in the example
// pack; cards → pci-ai does too (no allow-list); customer-1 → standard-ai does not.
const NAMESPACE_ZONES = { 'clinical-prod': 'hipaa-ai', cards: 'pci-ai', 'eu-apps': 'regulated-ai-eu', 'customer-1': 'standard-ai', renamed: 'hipaa-ai-old' };
const SEPSIS_IMAGE = `registry.internal/ml/sepsis-serving@sha256:${sha('mv_img1')}`;
const TRITON_DIGEST = TRITON.slice(TRITON.indexOf('@') + 1);

type Containers = { containers: { name: string; image: string }[]; initContainers?: { name: string; image: string }[]; ephemeralContainers?: { name: string; image: string }[] };

/** An AdmissionReview v1 of a Pod CREATE, as the API server sends it. */
function podReview(uid: string, namespace: string, spec: Containers, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      name: 'app',
      operation: 'CREATE',
      userInfo: { username: 'mallory' },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace, annotations }, spec },
      oldObject: null,
      dryRun: false,
      ...extra,
    },
  };
}

for (const storeCase of storeCases) {
  describe(`admission of images in zones that require signed images, on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let webhook: string;
    before(async () => {
      s = await startCairnWith(storeCase.fresh(), { namespaceZones: NAMESPACE_ZONES });
      webhook = await s.token(['service'], 'kube-apiserver-prod');
      const operator = await s.token(['operator'], 'olga');
      await seedModel(s.cairn, { name: 'sepsis-watch', useCase: 'triage', versions: [{ id: 'mv_img1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai', 'pci-ai'] }] });
      const dep = await s.request('POST', '/api/v1/deployments', { token: operator, body: { versionId: 'mv_img1', zone: 'hipaa-ai', environment: 'prod', reason: 'CAB-3001' } });
      assert.equal(dep.status, 201, JSON.stringify(dep.body));
    });
    after(async () => s.close());

    const validate = async (body: unknown) => {
      const res = await s.request('POST', '/api/v1/admission/validate', { token: webhook, body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.response as { uid: string; allowed: boolean; status?: { code: number; message: string } };
    };

    it('denies an unregistered, unsigned python:3.12 that names no model (the reproduced attack), naming the image and the rule', async () => {
      const r = await validate(podReview('u-python', 'clinical-prod', { containers: [{ name: 'shell', image: 'docker.io/library/python:3.12' }] }));
      assert.equal(r.allowed, false);
      assert.match(r.status!.message, /container shell \(image docker\.io\/library\/python:3\.12\) is not pinned by digest: zone hipaa-ai requires signed images \(zones\.hipaa-ai\.workload_requirements\.signed_images\)/);
      const [entry] = (await entriesOfKind(s.cairn, 'admission.decided')).slice(-1);
      assert.equal(entry!.entry.body['zone'], 'hipaa-ai');
      const rules = (entry!.entry.body['decision'] as { rules: { rule: string; effect: string }[] }).rules;
      assert.deepEqual(rules.filter((x) => x.effect === 'deny').map((x) => x.rule), ['admission.image_pinned'], 'the decision carries the rule');
    });

    it('denies tags, even of an allow-listed repository, and pinned images on no list', async () => {
      const tag = await validate(podReview('u-tag', 'clinical-prod', { containers: [{ name: 'triton', image: 'registry.internal/serving/triton:24.08' }] }));
      assert.equal(tag.allowed, false);
      assert.match(tag.status!.message, /is not pinned by digest/);
      const other = `docker.io/library/python@sha256:${sha('python 3.12')}`;
      const unlisted = await validate(podReview('u-unlisted', 'clinical-prod', { containers: [{ name: 'shell', image: other }] }));
      assert.equal(unlisted.allowed, false);
      assert.match(unlisted.status!.message, /container shell \(image docker\.io\/library\/python@sha256:[0-9a-f]{64}\) is neither an artifact of a model version nor on zone hipaa-ai's image allow-list/);
      const otherDigest = await validate(podReview('u-other-digest', 'clinical-prod', { containers: [{ name: 'triton', image: `registry.internal/serving/triton@sha256:${sha('triton 99')}` }] }));
      assert.equal(otherDigest.allowed, false, 'the repository is listed, but not that digest');
      const notSha256 = await validate(podReview('u-sha512', 'clinical-prod', { containers: [{ name: 'triton', image: `registry.internal/serving/triton@sha512:${'ab'.repeat(64)}` }] }));
      assert.equal(notSha256.allowed, false);
    });

    it('checks init and ephemeral containers too', async () => {
      const init = await validate(podReview('u-init', 'clinical-prod', { initContainers: [{ name: 'fetch', image: 'curlimages/curl:8.8.0' }], containers: [{ name: 'triton', image: TRITON }] }));
      assert.equal(init.allowed, false);
      assert.match(init.status!.message, /init container fetch \(image curlimages\/curl:8\.8\.0\) is not pinned by digest/);
      const debug = await validate(podReview('u-ephemeral', 'clinical-prod', { containers: [{ name: 'triton', image: TRITON }], ephemeralContainers: [{ name: 'debugger', image: 'busybox' }] }));
      assert.equal(debug.allowed, false);
      assert.match(debug.status!.message, /ephemeral container debugger \(image busybox\) is not pinned by digest/);
      const missing = await validate(podReview('u-no-image', 'clinical-prod', { containers: [{ name: 'triton', image: TRITON }, { name: 'blank' } as { name: string; image: string }] }));
      assert.equal(missing.allowed, false, 'a container without an image is not admitted');
    });

    it('allows a digest-pinned allow-listed image, with or without a tag beside the digest, and no model', async () => {
      assert.deepEqual(await validate(podReview('u-triton', 'clinical-prod', { containers: [{ name: 'triton', image: TRITON }] })), { uid: 'u-triton', allowed: true });
      const tagged = `registry.internal/serving/triton:24.08@${TRITON_DIGEST}`;
      assert.equal((await validate(podReview('u-triton-tagged', 'clinical-prod', { containers: [{ name: 'triton', image: tagged }] }))).allowed, true);
    });

    it('allows a digest-pinned artifact of a version deployed in the zone; denies the same digest in a zone where it is not deployed', async () => {
      const spec = { containers: [{ name: 'model', image: SEPSIS_IMAGE }, { name: 'triton', image: TRITON }] };
      assert.deepEqual(await validate(podReview('u-artifact', 'clinical-prod', spec)), { uid: 'u-artifact', allowed: true });
      const cards = await validate(podReview('u-artifact-pci', 'cards', { containers: [{ name: 'model', image: SEPSIS_IMAGE }] }));
      assert.equal(cards.allowed, false);
      assert.match(cards.status!.message, /container model \(image sha256:[0-9a-f]{64}\) carries a model not deployed in pci-ai: sepsis-watch@1\.0\.0 \(mv_img1\) has no active deployment in pci-ai \(it is deployed in hipaa-ai\/prod\)/);
    });

    it('admits any digest from a trusted repository prefix, and nothing beside it', async () => {
      const sidecar = `registry.internal/platform/envoy@sha256:${sha('envoy')}`;
      assert.equal((await validate(podReview('u-prefix', 'eu-apps', { containers: [{ name: 'envoy', image: sidecar }] }))).allowed, true);
      const lookalike = await validate(podReview('u-lookalike', 'eu-apps', { containers: [{ name: 'envoy', image: `registry.internal/platform-tools/envoy@sha256:${sha('envoy')}` }] }));
      assert.equal(lookalike.allowed, false, 'a prefix ends with "/": platform-tools is not under platform/');
      const tagged = await validate(podReview('u-prefix-tag', 'eu-apps', { containers: [{ name: 'envoy', image: 'registry.internal/platform/envoy:1.31' }] }));
      assert.equal(tagged.allowed, false, 'a trusted prefix still requires a digest');
      assert.equal((await validate(podReview('u-pci-triton', 'cards', { containers: [{ name: 'triton', image: TRITON }] }))).allowed, false, 'an allow-list is per zone');
    });

    it('keeps the behaviour of zones without signed_images: tags and unknown images run there', async () => {
      assert.deepEqual(await validate(podReview('u-standard', 'customer-1', { containers: [{ name: 'shell', image: 'python:3.12' }] })), { uid: 'u-standard', allowed: true });
      assert.deepEqual(await validate(podReview('u-unmapped', 'default', { containers: [{ name: 'shell', image: 'python:3.12' }] })), { uid: 'u-unmapped', allowed: true });
    });

    it('refuses everything in a namespace mapped to a zone the pack no longer declares', async () => {
      const r = await validate(podReview('u-renamed', 'renamed', { containers: [{ name: 'triton', image: TRITON }] }));
      assert.equal(r.allowed, false);
      assert.match(r.status!.message, /namespace renamed is mapped to zone hipaa-ai-old, which the active policy pack does not declare/);
    });

    it('checks only the images an UPDATE adds, so a pod started before the rule can still be relabelled and removed', async () => {
      const old = podReview('x', 'clinical-prod', { containers: [{ name: 'shell', image: 'python:3.12' }] }).request.object;
      const relabelled = { ...structuredClone(old), metadata: { ...old.metadata, labels: { draining: 'true' } } };
      assert.equal((await validate(podReview('u-relabel', 'clinical-prod', relabelled.spec, {}, { operation: 'UPDATE', object: relabelled, oldObject: old }))).allowed, true);
      const swapped = structuredClone(old);
      swapped.spec.containers[0]!.image = 'python:3.13';
      const r = await validate(podReview('u-swap', 'clinical-prod', swapped.spec, {}, { operation: 'UPDATE', object: swapped, oldObject: old }));
      assert.equal(r.allowed, false);
      assert.match(r.status!.message, /image python:3\.13\) is not pinned by digest/);
    });
  });
}
