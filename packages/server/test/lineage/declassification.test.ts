import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded } from '../helpers/versions.js';

after(cleanupStores);

/** One steward cannot turn ePHI into "internal" data alone (policy: two_person_declassification). */
for (const storeCase of storeCases) {
  describe(`two-person declassification on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let sam: string;
    let tia: string;
    let raw: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      sam = await s.token(['steward', 'engineer'], 'sam');
      tia = await s.token(['steward'], 'tia');
      const r = await post('/api/v1/datasets', { name: 'ehr', objects: objects('ehr-2p', 2), dataClasses: ['ephi'], owner: 'clinic', legalBasis: 'HIPAA TPO' }, sam);
      raw = r.body.digest;
      assert.equal((await post(`/api/v1/datasets/${raw}/certify`, { reason: 'checked' }, tia)).status, 200);
    });
    after(async () => s.close());

    const post = (url: string, body: object, token: string) => s.request('POST', url, { token, body });
    const derive = async (seed: string, token: string) => {
      const d = await post('/api/v1/datasets', { name: `copy-${seed}`, objects: objects(seed, 2), dataClasses: ['internal'], owner: 'clinic', derivedFrom: { inputs: [raw], transform: { repository: 'git+ssh://git.internal/etl.git', commit: 'a'.repeat(40) } } }, token);
      assert.equal(d.status, 201, d.text);
      assert.deepEqual(d.body.dataClasses, ['ephi', 'internal']);
      return d.body.digest as string;
    };

    it('a steward who derives, declassifies and certifies alone is stopped at each step', async () => {
      const copy = await derive('copy-1', sam);
      const declass = await post(`/api/v1/datasets/${copy}/declassify`, { classes: ['ephi'], reason: 'de-identified (trust me)' }, sam);
      assert.equal(declass.status, 200);
      assert.deepEqual(declass.body.dataClasses, ['ephi', 'internal'], 'still ePHI: a second steward must approve');
      assert.deepEqual(declass.body.pendingDeclassification.classes, ['ephi']);
      const cert = await post(`/api/v1/datasets/${copy}/certify`, { reason: 'ready' }, sam);
      assert.equal(cert.status, 409, 'no certification while a declassification is pending');
      const self = await post(`/api/v1/datasets/${copy}/declassify/approve`, { reason: 'approving my own' }, sam);
      assert.equal(self.status, 403);
      const entry = await assertRecorded(s, self, 'separation_of_duties', 'dataset.declassification_refused');
      const denied = (entry.entry.body['decision'] as { rules: { rule: string; effect: string }[] }).rules.filter((r) => r.effect === 'deny').map((r) => r.rule);
      assert.deepEqual(denied.sort(), ['separation_of_duties.declassifier', 'separation_of_duties.registrant']);
      assert.equal((await post(`/api/v1/datasets/${copy}/declassify`, { classes: ['ephi'], reason: 'again' }, sam)).status, 409, 'one pending declassification at a time');
    });

    it('the registrant cannot approve a colleague’s declassification of their dataset; a third steward can', async () => {
      const copy = await derive('copy-2', sam);
      assert.equal((await post(`/api/v1/datasets/${copy}/declassify`, { classes: ['ephi'], reason: 'Safe Harbor report DI-9' }, tia)).status, 200);
      const byRegistrant = await post(`/api/v1/datasets/${copy}/declassify/approve`, { reason: 'looks right' }, sam);
      assert.equal(byRegistrant.status, 403);
      await assertRecorded(s, byRegistrant, 'separation_of_duties', 'dataset.declassification_refused');
      const uma = await s.token(['steward'], 'uma');
      const ok = await post(`/api/v1/datasets/${copy}/declassify/approve`, { reason: 'DI-9 checked' }, uma);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.dataset.dataClasses, ['internal']);
      assert.equal(ok.body.dataset.pendingDeclassification, null);
      const log = ok.body.dataset.declassifications.at(-1);
      assert.equal(log.by, 'tia');
      assert.equal(log.approvedBy, 'uma');
      const entry = await s.cairn.ledger.entry(log.ledgerIndex);
      assert.equal(entry.entry.kind, 'dataset.declassified');
      assert.equal(entry.entry.body['proposedBy'], 'tia');
      assert.equal((await post(`/api/v1/datasets/${copy}/certify`, { reason: 'now internal' }, tia)).status, 200);
    });

    it('a class without the rule is declassified at once; bad requests write nothing', async () => {
      const d = await post('/api/v1/datasets', { name: 'notes', objects: objects('notes', 1), dataClasses: ['internal', 'public'], owner: 'x' }, sam);
      const res = await post(`/api/v1/datasets/${d.body.digest}/declassify`, { classes: ['internal'], reason: 'published' }, sam);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.dataClasses, ['public']);
      await s.cairn.ledger.flush();
      const before = await s.cairn.ledger.size();
      assert.equal((await post(`/api/v1/datasets/${d.body.digest}/declassify/approve`, { reason: 'nothing pending' }, tia)).status, 409);
      assert.equal((await post(`/api/v1/datasets/${d.body.digest}/declassify/approve`, {}, tia)).status, 400);
      assert.equal((await post(`/api/v1/datasets/sha256:${'0'.repeat(64)}/declassify/approve`, { reason: 'no such dataset' }, tia)).status, 404);
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
    });
  });
}
