import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningCairn } from '../helpers/cairn.js';
import { digestOf, sha } from '../helpers/lineage.js';
import { cleanupStores, storeCases, type StoreLocation } from '../helpers/stores.js';
import { TRITON, admissionFixture, entriesOfKind, seedModel, startCairnWith, updateVersion } from './helpers.js';

after(cleanupStores);

const POD = 'kwctl-unprivileged-pod-admission-review.json';
const DEPLOYMENT = 'policy-server-deployment_admission_review.json';
const NAMESPACE_ZONES = { 'clinical-prod': 'hipaa-ai', 'customer-1': 'standard-ai' };
const SEPSIS_IMAGE = `registry.internal/ml/sepsis-serving@sha256:${sha('mv_sw1')}`;

/** A fixture with changes to its request (`object` changes are merged into a copy of the object). */
function review(file: string, change: { namespace?: string; annotations?: Record<string, string>; image?: string; pin?: boolean; uid?: string; request?: Record<string, unknown> } = {}) {
  const r = structuredClone(admissionFixture(file));
  const req = r['request'];
  if (change.uid) req.uid = change.uid;
  if (change.namespace) {
    req.namespace = change.namespace;
    req.object.metadata.namespace = change.namespace;
  }
  const pod = req.object.kind === 'Pod' ? req.object : req.object.spec.template;
  if (change.annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...change.annotations };
  if (change.pin) for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) c.image = TRITON;
  if (change.image) pod.spec.containers[pod.spec.containers.length - 1].image = change.image;
  Object.assign(req, change.request ?? {});
  return r;
}

for (const storeCase of storeCases) {
  describe(`admission webhook on ${storeCase.name}`, () => {
    let location: StoreLocation;
    let s: RunningCairn;
    let webhook: string; // the API server's token: a service principal
    let operator: string;
    let deploymentId: string;
    before(async () => {
      location = storeCase.fresh();
      s = await startCairnWith(location, { namespaceZones: NAMESPACE_ZONES });
      webhook = await s.token(['service'], 'kube-apiserver-prod');
      operator = await s.token(['operator'], 'olga');
      await seedModel(s.cairn, {
        name: 'sepsis-watch',
        useCase: 'triage',
        versions: [
          { id: 'mv_sw1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai'] },
          { id: 'mv_sw2', version: '1.1.0', dataClasses: ['ephi'], zones: ['hipaa-ai'] },
        ],
      });
      const dep = await s.request('POST', '/api/v1/deployments', { token: operator, body: { versionId: 'mv_sw1', zone: 'hipaa-ai', environment: 'prod', reason: 'CAB-2001' } });
      assert.equal(dep.status, 201, JSON.stringify(dep.body));
      deploymentId = dep.body.deployment.id;
    });
    after(async () => s.close());

    const validate = (body: unknown, token = webhook) => s.request('POST', '/api/v1/admission/validate', { token, body });
    const size = async () => {
      await s.cairn.ledger.flush();
      return s.cairn.ledger.size();
    };
    const allowedShape = (uid: string) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });
    /** A denial: exactly apiVersion, kind and response { uid, allowed: false, status: { code: 403, message } }. */
    function assertDenied(res: { status: number; body: any }, uid: string, message: RegExp): void {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['apiVersion', 'kind', 'response']);
      assert.deepEqual([res.body.apiVersion, res.body.kind], ['admission.k8s.io/v1', 'AdmissionReview']);
      assert.deepEqual(Object.keys(res.body.response).sort(), ['allowed', 'status', 'uid']);
      assert.deepEqual(Object.keys(res.body.response.status).sort(), ['code', 'message']);
      assert.equal(res.body.response.uid, uid);
      assert.equal(res.body.response.allowed, false);
      assert.equal(res.body.response.status.code, 403);
      assert.match(res.body.response.status.message, message);
    }

    it('allows the two conformance requests (they carry no model), answering exactly the v1 shape, and records each decision', async () => {
      const before = await size();
      const pod = await validate(admissionFixture(POD));
      assert.equal(pod.status, 200);
      assert.match(pod.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(pod.body, allowedShape('1299d386-525b-4032-98ae-1949f69f9cfc'));
      const deployment = await validate(admissionFixture(DEPLOYMENT));
      assert.deepEqual(deployment.body, allowedShape('8a1e598b-cc4b-49b7-a465-bee6204c18db'));
      assert.equal(await size(), before + 2);

      const [first, second] = (await entriesOfKind(s.cairn, 'admission.decided')).slice(-2);
      assert.equal(first!.entry.subject, 'admission:1299d386-525b-4032-98ae-1949f69f9cfc');
      assert.equal(first!.entry.actor.id, 'kube-apiserver-prod');
      const { decision, reasons, ...body } = first!.entry.body as Record<string, any>;
      assert.deepEqual(body, { uid: '1299d386-525b-4032-98ae-1949f69f9cfc', operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'default', name: 'nginx', user: 'kubernetes-admin', zone: null, models: [], allowed: true });
      assert.deepEqual(reasons, decision.reasons);
      assert.match(reasons[0], /no registered model is carried by Pod default\/nginx/);
      assert.ok(!Buffer.from(first!.leaf).toString().includes('managedFields'), 'the object itself is not recorded');
      assert.ok(!Buffer.from(first!.leaf).toString().includes('default-token-pvpz7'));
      assert.deepEqual([second!.entry.body['namespace'], second!.entry.body['name'], second!.entry.body['allowed']], ['customer-1', 'api', true]);
    });

    it('allows a model deployed in the namespace zone, by annotation or by image digest', async () => {
      const byAnnotation = await validate(review(POD, { namespace: 'clinical-prod', annotations: { 'cairn.dev/model-version': 'mv_sw1' }, pin: true, uid: 'u-annotation' }));
      assert.deepEqual(byAnnotation.body, allowedShape('u-annotation'));
      const byDigest = await validate(review(DEPLOYMENT, { namespace: 'clinical-prod', image: SEPSIS_IMAGE, uid: 'u-digest' }));
      assert.deepEqual(byDigest.body, allowedShape('u-digest'));
      const [entry] = (await entriesOfKind(s.cairn, 'admission.decided')).slice(-1);
      assert.equal(entry!.entry.body['zone'], 'hipaa-ai');
      assert.deepEqual(entry!.entry.body['models'], [{ container: 'api', digest: digestOf('mv_sw1'), versions: ['mv_sw1'] }]);
      assert.ok((entry!.entry.body['reasons'] as string[]).some((r) => r.includes(deploymentId)));
      const namedAfterZone = await validate(review(POD, { namespace: 'hipaa-ai', annotations: { 'cairn.dev/model-version': 'mv_sw1' }, pin: true, uid: 'u-zone-name' }));
      assert.deepEqual(namedAfterZone.body, allowedShape('u-zone-name'), 'a namespace named after a zone is in it');
    });

    it('denies the same model in another zone, saying where it is deployed', async () => {
      const before = await size();
      const res = await validate(review(DEPLOYMENT, { namespace: 'customer-1', image: SEPSIS_IMAGE, uid: 'u-elsewhere' }));
      assertDenied(res, 'u-elsewhere', /not deployed in standard-ai: sepsis-watch@1\.0\.0 \(mv_sw1\) has no active deployment in standard-ai \(it is deployed in hipaa-ai\/prod\)/);
      assert.match(res.body.response.status.message, new RegExp(`Cairn ledger entry ${before}\\)$`), 'the message names the entry that recorded the decision');
      const entry = await s.cairn.ledger.entry(before);
      assert.equal(entry.entry.kind, 'admission.decided');
      assert.equal(entry.entry.body['allowed'], false);
    });

    it('denies versions that are approved but not deployed, unknown, or suspended; allows images of unknown digest', async () => {
      assertDenied(await validate(review(POD, { namespace: 'clinical-prod', annotations: { 'cairn.dev/model-version': 'mv_sw2' }, uid: 'u-approved' })), 'u-approved', /sepsis-watch@1\.1\.0 \(mv_sw2\) has no active deployment in hipaa-ai/);
      assertDenied(await validate(review(POD, { namespace: 'clinical-prod', annotations: { 'cairn.dev/model-version': 'mv_sw1, mv_ghost' }, uid: 'u-ghost' })), 'u-ghost', /names mv_ghost, which is not a registered model version/);
      const unknownDigest = await validate(review(POD, { namespace: 'customer-1', image: `registry.internal/tools/curl@sha256:${sha('curl')}`, uid: 'u-curl' }));
      assert.deepEqual(unknownDigest.body, allowedShape('u-curl'), 'an image that is no registered artifact is not a model');

      await updateVersion(s.cairn, 'mv_sw1', { state: 'suspended' });
      try {
        assertDenied(await validate(review(POD, { namespace: 'clinical-prod', annotations: { 'cairn.dev/model-version': 'mv_sw1' }, uid: 'u-suspended' })), 'u-suspended', /\(mv_sw1\) is suspended/);
      } finally {
        await updateVersion(s.cairn, 'mv_sw1', { state: 'deployed' });
      }
    });

    it('never lets a pod choose its zone: the cairn.dev/zone annotation is only checked against the namespace', async () => {
      const res = await validate(review(POD, { namespace: 'customer-1', annotations: { 'cairn.dev/model-version': 'mv_sw1', 'cairn.dev/zone': 'hipaa-ai' }, uid: 'u-claims-zone' }));
      assertDenied(res, 'u-claims-zone', /declares cairn\.dev\/zone: hipaa-ai, but its namespace is in standard-ai/);
      const unmapped = await validate(review(POD, { namespace: 'default', annotations: { 'cairn.dev/model-version': 'mv_sw1' }, uid: 'u-unmapped' }));
      assertDenied(unmapped, 'u-unmapped', /namespace default is not mapped to a zone and is not named after one/);
    });

    it('allows DELETE, and only checks what an UPDATE adds, so a rolled-back model can still be removed', async () => {
      const pod = review(POD, { namespace: 'customer-1', annotations: { 'cairn.dev/model-version': 'mv_sw1' } })['request'].object;
      const del = await validate(review(POD, { uid: 'u-delete', request: { operation: 'DELETE', namespace: 'customer-1', object: null, oldObject: pod, options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' } } }));
      assert.deepEqual(del.body, allowedShape('u-delete'));
      const relabelled = structuredClone(pod);
      relabelled.metadata.labels = { env: 'test', draining: 'true' };
      const update = await validate(review(POD, { uid: 'u-update', request: { operation: 'UPDATE', namespace: 'customer-1', object: relabelled, oldObject: pod } }));
      assert.deepEqual(update.body, allowedShape('u-update'));
      const added = structuredClone(relabelled);
      added.spec.containers.push({ name: 'sidecar-model', image: SEPSIS_IMAGE });
      const withModel = { ...structuredClone(pod), metadata: { ...pod.metadata, annotations: {} } };
      assertDenied(await validate(review(POD, { uid: 'u-update-adds', request: { operation: 'UPDATE', namespace: 'customer-1', object: added, oldObject: withModel } })), 'u-update-adds', /not deployed in standard-ai/);
    });

    it('answers a dry run exactly as a real request, and records nothing', async () => {
      const before = await size();
      const res = await validate(review(DEPLOYMENT, { namespace: 'customer-1', image: SEPSIS_IMAGE, uid: 'u-dry', request: { dryRun: true } }));
      assertDenied(res, 'u-dry', /not deployed in standard-ai.*\(dry run: not recorded\)$/);
      const ok = await validate(review(POD, { uid: 'u-dry-ok', request: { dryRun: true } }));
      assert.deepEqual(ok.body, allowedShape('u-dry-ok'));
      assert.equal(await size(), before);
    });

    it('understands every workload kind with a pod template, and refuses unknown kinds by default', async () => {
      const template = review(POD, { annotations: { 'cairn.dev/model-version': 'mv_sw1' }, pin: true })['request'].object;
      const podTemplate = { metadata: template.metadata, spec: template.spec };
      const kinds: [string, string, Record<string, unknown>][] = [
        ['apps', 'StatefulSet', { template: podTemplate }],
        ['apps', 'DaemonSet', { template: podTemplate }],
        ['apps', 'ReplicaSet', { template: podTemplate }],
        ['batch', 'Job', { template: podTemplate }],
        ['batch', 'CronJob', { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate } } }],
        ['', 'ReplicationController', { template: podTemplate }],
      ];
      for (const [group, kind, spec] of kinds) {
        const object = { apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name: 'w' }, spec };
        const request = { kind: { group, version: 'v1', kind }, object };
        assert.deepEqual((await validate(review(POD, { uid: `u-${kind}-ok`, namespace: 'clinical-prod', request }))).body, allowedShape(`u-${kind}-ok`), kind);
        assertDenied(await validate(review(POD, { uid: `u-${kind}-no`, namespace: 'customer-1', request })), `u-${kind}-no`, /not deployed in standard-ai/);
      }
      const configMap = { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } } };
      assertDenied(await validate(review(POD, { uid: 'u-cm', request: configMap })), 'u-cm', /v1 ConfigMap is not a workload kind Cairn inspects, and unknown kinds are refused \(unknownKinds: deny\)/);
      const scale = { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, subResource: 'status', object: null };
      assert.deepEqual((await validate(review(POD, { uid: 'u-status', request: scale }))).body, allowedShape('u-status'));
    });

    it('fails open on unknown kinds, and maps every namespace with "*", when so configured', async () => {
      const other = await startCairnWith(location, { namespaceZones: { '*': 'hipaa-ai' }, unknownKinds: 'allow' });
      try {
        const token = await other.token(['service'], 'kube-apiserver-hipaa');
        const configMap = { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } } };
        const cm = await other.request('POST', '/api/v1/admission/validate', { token, body: review(POD, { uid: 'u-cm-open', request: configMap }) });
        assert.deepEqual(cm.body, allowedShape('u-cm-open'));
        const anyNs = await other.request('POST', '/api/v1/admission/validate', { token, body: review(POD, { uid: 'u-star', annotations: { 'cairn.dev/model-version': 'mv_sw1' }, pin: true }) });
        assert.deepEqual(anyNs.body, allowedShape('u-star'));
      } finally {
        await other.close();
      }
    });

    it('answers malformed reviews with 400 in our error shape, refuses callers without admission:review, and writes nothing', async () => {
      const auditor = await s.token(['auditor'], 'audrey');
      const before = await size();
      const noUid = review(POD);
      delete noUid['request'].uid;
      const bodies: unknown[] = [noUid, { ...review(POD), apiVersion: 'admission.k8s.io/v1beta1' }, { ...review(POD), kind: 'Pod' }, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, review(POD, { request: { operation: 'PATCH' } }), review(POD, { request: { object: 'a pod' } }), []];
      for (const body of bodies) {
        const res = await validate(body);
        assert.equal(res.status, 400, JSON.stringify(body).slice(0, 120));
        assert.equal(res.body.error.code, 'invalid_request');
      }
      const notJson = await s.request('POST', '/api/v1/admission/validate', { token: webhook, rawBody: '{"apiVersion":', headers: { 'content-type': 'application/json' } });
      assert.deepEqual([notJson.status, notJson.body.error.code], [400, 'invalid_json']);
      const forbidden = await validate(review(POD), auditor);
      assert.deepEqual([forbidden.status, forbidden.body.error.code, forbidden.body.error.details.permission], [403, 'forbidden', 'admission:review']);
      assert.equal((await validate(review(POD), null as unknown as string)).status, 401);
      assert.equal(await size(), before);
    });
  });
}
