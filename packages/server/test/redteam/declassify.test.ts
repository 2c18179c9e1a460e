import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { commitOf, objects } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded } from '../helpers/versions.js';

after(cleanupStores);

/** Red team: two-person declassification, attacked by one steward with a service account. */
for (const storeCase of storeCases) {
  describe(`red team: declassification on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ops: string;
    let st1: string;
    let st2: string;
    let bot: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      ops = await s.opsToken();
      st1 = await s.token(['steward'], 'st1');
      st2 = await s.token(['steward'], 'st2');
      // st1's own service account (proposed by admin for st1, vouched for by ops); st1 mints its token.
      assert.equal((await post('/api/v1/principals', { id: 'st1-bot', type: 'service', owner: 'st1', roles: ['steward'], reason: 'pipelines' })).status, 201);
      assert.equal((await post('/api/v1/principals/st1-bot/approve', { reason: 'ok' }, ops)).status, 200);
      const minted = await post('/api/v1/tokens', { principal: 'st1-bot', roles: ['steward'], ttl: 3600 }, st1);
      assert.equal(minted.status, 201, minted.text);
      bot = minted.body.token;
    });
    after(async () => s.close());
    const post = (url: string, body: unknown, token?: string) => s.request('POST', url, { token: token ?? s.adminToken, body });
    const register = async (token: string, name: string, extra: object) => {
      const r = await post('/api/v1/datasets', { name, objects: objects(name, 2), owner: 'clinic', legalBasis: 'HIPAA TPO', ...extra }, token);
      assert.equal(r.status, 201, r.text);
      return r.body.digest as string;
    };
    const derive = (inputs: string[]) => ({ derivedFrom: { inputs, transform: { repository: 'git+ssh://git@git.internal/deid.git', commit: commitOf('deid') } } });

    it("the registrant cannot approve a declassification by registering through their service account", async () => {
      const source = await register(st1, 'ehr', { dataClasses: ['ephi'] });
      const derived = await register(bot, 'ehr-deid', { dataClasses: [], ...derive([source]) });
      const proposed = await post(`/api/v1/datasets/${derived}/declassify`, { classes: ['ephi'], reason: 'safe harbor de-identification' }, st2);
      assert.equal(proposed.status, 200, proposed.text);
      const approved = await post(`/api/v1/datasets/${derived}/declassify/approve`, { reason: 'I agree' }, st1);
      assert.equal(approved.status, 403, `st1 registered the dataset (through st1-bot) and approved its declassification: ${approved.text}`);
      await assertRecorded(s, approved, 'separation_of_duties', 'dataset.declassification_refused');
    });

    it('the declassifier cannot approve through their service account, nor twice', async () => {
      const source = await register(st2, 'ehr2', { dataClasses: ['ephi'] });
      const derived = await register(st2, 'ehr2-deid', { dataClasses: [], ...derive([source]) });
      assert.equal((await post(`/api/v1/datasets/${derived}/declassify`, { classes: ['ephi'], reason: 'de-identified' }, st1)).status, 200);
      const viaBot = await post(`/api/v1/datasets/${derived}/declassify/approve`, { reason: 'my bot agrees' }, bot);
      assert.equal(viaBot.status, 403);
      await assertRecorded(s, viaBot, 'separation_of_duties', 'dataset.declassification_refused');
      const again = await post(`/api/v1/datasets/${derived}/declassify`, { classes: ['ephi'], reason: 'again' }, bot);
      assert.equal(again.status, 409, 'one pending declassification at a time');
    });

    it('a chain of derivations inherits the class while the declassification waits; certification waits too', async () => {
      const source = await register(st1, 'ehr3', { dataClasses: ['ephi'] });
      const d1 = await register(st1, 'ehr3-d1', { dataClasses: [], ...derive([source]) });
      assert.equal((await post(`/api/v1/datasets/${d1}/declassify`, { classes: ['ephi'], reason: 'de-identified' }, st1)).status, 200);
      const d2 = await register(st1, 'ehr3-d2', { dataClasses: ['public'], ...derive([d1]) });
      const got = (await s.request('GET', `/api/v1/datasets/${d2}`)).body;
      assert.ok(got.dataClasses.includes('ephi'), JSON.stringify(got.dataClasses));
      const certify = await post(`/api/v1/datasets/${d1}/certify`, { reason: 'DQ passed' }, st1);
      assert.equal(certify.status, 409);
      // Declassifying the second copy alone is again two-person.
      assert.equal((await post(`/api/v1/datasets/${d2}/declassify`, { classes: ['ephi'], reason: 'de-identified' }, st1)).status, 200);
      const self = await post(`/api/v1/datasets/${d2}/declassify/approve`, { reason: 'looks right to me' }, st1);
      assert.equal(self.status, 403);
    });

    it('hostile input on /declassify/approve is a 4xx, never a 500', async () => {
      const source = await register(st1, 'ehr4', { dataClasses: ['ephi'] });
      const d = await register(st1, 'ehr4-d', { dataClasses: [], ...derive([source]) });
      for (const [url, body] of [
        [`/api/v1/datasets/${d}/declassify/approve`, null],
        [`/api/v1/datasets/${d}/declassify/approve`, []],
        [`/api/v1/datasets/${d}/declassify/approve`, { reason: 'no pending' }],
        [`/api/v1/datasets/${d}/declassify/approve`, { reason: ['x'] }],
        [`/api/v1/datasets/${d}/declassify`, { classes: ['ephi\u0000'], reason: 'nul' }],
        [`/api/v1/datasets/${d}/declassify`, { classes: ['__proto__'], reason: 'proto' }],
        [`/api/v1/datasets/${d}/declassify`, { classes: ['ephi'], reason: 'nul\u0000 in reason' }],
        [`/api/v1/datasets/sha256:${'0'.repeat(64)}/declassify/approve`, { reason: 'nothing there' }],
        [`/api/v1/datasets/${'x'.repeat(3000)}/declassify/approve`, { reason: 'long' }],
      ] as const) {
        const r = await post(url, body, st2);
        assert.ok(r.status < 500, `POST ${url.slice(0, 60)} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
      }
    });
  });
}
