import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { makeCa, makeCert, type Ca, type Issued } from '../helpers/certificates.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases, tempDir } from '../helpers/stores.js';
import { admissionFixture } from './helpers.js';

after(cleanupStores);

const POD = 'kwctl-unprivileged-pod-admission-review.json';
const dir = tempDir('cairn-admission-https-');
let ca: Ca;
let apiServerCert: Issued;
let caBundle: string;
before(() => {
  ca = makeCa(dir, 'cluster-ca');
  // docs/deployments.md: the ValidatingWebhookConfiguration's caBundle is the base64 of the CA's PEM.
  caBundle = fs.readFileSync(ca.cert).toString('base64');
  apiServerCert = makeCert(dir, ca, { name: 'kube-apiserver', usage: 'client', cn: 'kube-apiserver-prod' });
  fs.writeFileSync(path.join(dir, 'clients.yaml'), 'clients:\n  - principal: kube-apiserver-prod\n    cn: kube-apiserver-prod\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the API server does: verify Cairn with the caBundle, authenticate with the kubeconfig's token or client certificate. */
async function postReview(url: string, review: unknown, auth: { token?: string; cert?: Issued }) {
  const dispatcher = new Agent({ connect: { ca: Buffer.from(caBundle, 'base64'), ...(auth.cert ? { cert: fs.readFileSync(auth.cert.cert), key: fs.readFileSync(auth.cert.key) } : {}) } });
  try {
    const res = await fetch(`${url}/api/v1/admission/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}) },
      body: JSON.stringify(review),
      dispatcher,
      signal: AbortSignal.timeout(5_000), // the webhook's timeoutSeconds
    });
    return { status: res.status, body: (await res.json()) as any };
  } finally {
    await dispatcher.close();
  }
}

for (const storeCase of storeCases) {
  describe(`admission webhook over HTTPS on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      const server = makeCert(dir, ca, { name: `cairn-${storeCase.name}`, dns: ['cairn.internal', 'localhost'], ips: ['127.0.0.1'] });
      s = await startCairn(storeCase.fresh(), {
        admission: { namespaceZones: { 'clinical-prod': 'hipaa-ai' } },
        tls: { certFile: server.cert, keyFile: server.key, clientCaFile: ca.cert, clientPrincipalsFile: path.join(dir, 'clients.yaml') },
      });
      const admin = await s.cairn.authenticator.authenticate(s.adminToken);
      const ops = await s.cairn.authenticator.authenticate(await s.opsToken());
      await s.cairn.principals.propose(admin, { id: 'kube-apiserver-prod', type: 'service', roles: ['service'], reason: 'the production API server' });
      await s.cairn.principals.approve(ops, 'kube-apiserver-prod', 'CAB-3001');
    });
    after(async () => s.close());

    it('answers an AdmissionReview over HTTPS verified with the caBundle, the API server authenticated by its token or its client certificate', async () => {
      const issued = await s.cairn.tokens.issue(await s.cairn.authenticator.authenticate(s.adminToken), { principal: 'kube-apiserver-prod', roles: ['service'], scopes: ['admission:review'] });
      const expected = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '1299d386-525b-4032-98ae-1949f69f9cfc', allowed: true } };
      const byToken = await postReview(s.url, admissionFixture(POD), { token: issued.token });
      assert.equal(byToken.status, 200, JSON.stringify(byToken.body));
      assert.deepEqual(byToken.body, expected);
      const byCertificate = await postReview(s.url, admissionFixture(POD), { cert: apiServerCert });
      assert.equal(byCertificate.status, 200, JSON.stringify(byCertificate.body));
      assert.deepEqual(byCertificate.body, expected);
      await s.cairn.ledger.flush();
      const entries = await s.cairn.ledger.entries(0, 1000);
      const actors = entries.filter((e) => e.entry.kind === 'admission.decided').map((e) => [e.entry.actor.id, e.entry.actor.auth]);
      assert.deepEqual(actors, [['kube-apiserver-prod', 'token'], ['kube-apiserver-prod', 'mtls']]);
    });
  });
}
