import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { verifyPackage } from '@cairn/verify';
import { sql } from 'kysely';
import type { Entry } from '../../src/ledger/entry.js';
import { examplePolicyPath } from '../../src/policy/index.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { playFactory, type Factory } from '../helpers/factory.js';
import { digestOf } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`access log on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let f: Factory;
    let evidence: string; // a document's digest
    let exportId: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      f = await playFactory(s);
      const dossier = await s.request('GET', `/api/v1/model-versions/${f.versions[0]}`, { token: f.tokens['aud']! });
      evidence = dossier.body.evidence.find((e: { kind: string }) => e.kind === 'evaluation').digest;
      const exported = await fetch(`${s.url}/api/v1/exports`, { method: 'POST', headers: { authorization: `Bearer ${f.tokens['aud']}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope: { kind: 'subject', subject: `run:${f.runs[0]}` }, reason: 'sample package' }) });
      exportId = exported.headers.get('cairn-export-id')!;
      await exported.arrayBuffer();
    });
    after(async () => s.close());

    /** The access.read entries appended while `act` ran. */
    async function readsDuring(act: () => Promise<unknown>): Promise<{ entry: Entry; leaf: string }[]> {
      await s.cairn.ledger.flush();
      const from = await s.cairn.ledger.size();
      await act();
      await s.cairn.ledger.flush();
      const to = await s.cairn.ledger.size();
      const stored = to > from ? await s.cairn.ledger.entries(from, to - from) : [];
      return stored.filter((e) => e.entry.kind === 'access.read').map((e) => ({ entry: e.entry, leaf: Buffer.from(e.leaf).toString('utf8') }));
    }

    const get = (url: string, who = 'aud') => s.request('GET', url, { token: f.tokens[who]! });

    it('records each kind of sensitive read once, naming the reader and the object, never the material', async () => {
      const cases = [
        { url: `/api/v1/evidence/${evidence}`, route: '/api/v1/evidence/:digest', read: 'evidence_documents', objects: [`evidence:${evidence}`], secret: '"auc":0.81' },
        { url: `/api/v1/datasets/${f.derived}/manifest`, route: '/api/v1/datasets/:digest/manifest', read: 'dataset_manifests', objects: [`dataset:${f.derived}`], secret: 'part-0000.parquet' },
        { url: `/api/v1/datasets/${f.derived}`, route: '/api/v1/datasets/:digest', read: 'exclusion_lists', objects: [`dataset:${f.derived}`], secret: 'patients 1001' },
        { url: '/api/v1/datasets', route: '/api/v1/datasets', read: 'exclusion_lists', objects: [`dataset:${f.derived}`], secret: 'patients 1001' },
        { url: `/api/v1/runs/${f.runs[0]}/provenance`, route: '/api/v1/runs/:id/provenance', read: 'run_provenance', objects: [`run:${f.runs[0]}`], secret: 'in-toto' },
        { url: `/api/v1/exports/${exportId}`, route: '/api/v1/exports/:id', read: 'export_downloads', objects: [`export:${exportId}`], secret: 'sample package' },
        { url: '/api/v1/exports', route: '/api/v1/exports', read: 'export_listings', objects: [`export:${exportId}`], secret: 'sample package' },
      ];
      for (const c of cases) {
        let text = '';
        const reads = await readsDuring(async () => {
          const r = await get(c.url);
          assert.equal(r.status, 200, `${c.url}: ${r.text}`);
          text = r.text;
        });
        assert.ok(text.toLowerCase().includes(c.secret.toLowerCase()), `${c.url} serves the material (${c.secret})`);
        assert.equal(reads.length, 1, `${c.url}: one access entry`);
        const { entry, leaf } = reads[0]!;
        assert.equal(entry.actor.id, 'aud');
        assert.equal(entry.actor.auth, 'token');
        assert.equal(entry.subject, 'principal:aud');
        assert.deepEqual(entry.body, { read: c.read, objects: c.objects, route: `GET ${c.route}` });
        assert.ok(!leaf.toLowerCase().includes(c.secret.toLowerCase()), `${c.url}: the entry does not carry the material`);
      }
    });

    it('marks exactly the audited routes in the OpenAPI document, with their 503', async () => {
      const paths = (await s.request('GET', '/api/v1/openapi.json')).body.paths as Record<string, Record<string, { 'x-audited-read'?: string; responses: Record<string, unknown> }>>;
      const audited = Object.entries(paths).flatMap(([url, ops]) => Object.entries(ops).filter(([, op]) => op['x-audited-read']).map(([method, op]) => `${method.toUpperCase()} ${url} ${op['x-audited-read']}`));
      assert.deepEqual(audited.sort(), [
        'GET /api/v1/datasets exclusion_lists',
        'GET /api/v1/datasets/{digest} exclusion_lists',
        'GET /api/v1/datasets/{digest}/manifest dataset_manifests',
        'GET /api/v1/evidence/{digest} evidence_documents',
        'GET /api/v1/exports export_listings',
        'GET /api/v1/exports/{id} export_downloads',
        'GET /api/v1/runs/{id}/provenance run_provenance',
      ]);
      assert.ok(paths['/api/v1/evidence/{digest}']!['get']!.responses['503']);
    });

    it('records nothing when nothing sensitive was disclosed: no exclusions, 404, 403', async () => {
      assert.deepEqual(await readsDuring(async () => assert.equal((await get(`/api/v1/datasets/${f.raw}`)).status, 200)), [], 'a version without exclusions');
      assert.deepEqual(await readsDuring(async () => assert.equal((await get(`/api/v1/evidence/${digestOf('nothing')}`)).status, 404)), []);
      assert.deepEqual(await readsDuring(async () => assert.equal((await get(`/api/v1/datasets/${digestOf('nothing')}/manifest`)).status, 404)), []);
      assert.deepEqual(await readsDuring(async () => assert.equal((await get('/api/v1/exports', 'erin')).status, 403)), [], 'an engineer may not list exports');
      const narrow = await s.token(['auditor'], 'narrow', { scopes: ['log:read'] });
      assert.deepEqual(await readsDuring(async () => assert.equal((await s.request('GET', `/api/v1/evidence/${evidence}`, { token: narrow })).status, 403)), []);
    });

    it('batches concurrent reads into few group commits', async () => {
      const fifty = () =>
        Promise.all(
          Array.from({ length: 50 }, async () => {
            const r = await get(`/api/v1/evidence/${evidence}`);
            assert.equal(r.status, 200);
          }),
        );
      await fifty(); // opens 50 kept-alive connections: a fresh client connects one request at a time
      const commits = s.cairn.ledger.stats.commits;
      const reads = await readsDuring(fifty);
      const used = s.cairn.ledger.stats.commits - commits;
      assert.equal(reads.length, 50);
      assert.ok(used <= 5, `50 concurrent reads took ${used} transactions`);
    });

    it('answers a read only after its record committed: 503 access_not_recorded when it cannot be written (fail closed)', async () => {
      const db = s.cairn.store.db;
      if (s.cairn.store.dialect === 'sqlite') {
        await sql.raw(`create trigger refuse_reads before insert on log_entries when new.kind = 'access.read' begin select raise(abort, 'no reads'); end`).execute(db);
      } else {
        await sql.raw(`create function refuse_reads() returns trigger language plpgsql as $$ begin if new.kind = 'access.read' then raise exception 'no reads'; end if; return new; end $$`).execute(db);
        await sql.raw(`create trigger refuse_reads before insert on log_entries for each row execute function refuse_reads()`).execute(db);
      }
      try {
        const r = await get(`/api/v1/evidence/${evidence}`);
        assert.equal(r.status, 503);
        assert.equal(r.body.error.code, 'access_not_recorded');
        assert.ok(!r.text.includes('auc'), 'the document is not served');
        assert.equal((await get(`/api/v1/model-versions/${f.versions[0]}`)).status, 200, 'reads the pack does not audit are unaffected');
      } finally {
        await sql.raw(s.cairn.store.dialect === 'sqlite' ? 'drop trigger refuse_reads' : 'drop trigger refuse_reads on log_entries').execute(db);
      }
      assert.equal((await get(`/api/v1/evidence/${evidence}`)).status, 200, 'served again once the ledger records');
    });

    it('leaves model-version exports verifiable and free of reads; a time-range export carries them', async () => {
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const vkey = (await s.request('GET', '/api/v1/log/key')).body.verifierKey;
      const pkg = async (scope: object) => {
        const res = await fetch(`${s.url}/api/v1/exports`, { method: 'POST', headers: { authorization: `Bearer ${f.tokens['aud']}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope, reason: 'access review' }) });
        assert.equal(res.status, 200);
        return Buffer.from(await res.arrayBuffer());
      };
      const byModel = await pkg({ kind: 'model', model: 'readmission', version: '1.0.0' });
      assert.equal(verifyPackage(byModel, { key: vkey }).ok, true);
      assert.ok(!byModel.includes('"access.read"'), 'a model scope does not pull in who read what');
      const byTime = await pkg({ kind: 'time', from, to: new Date(Date.now() + 60_000).toISOString() });
      assert.equal(verifyPackage(byTime, { key: vkey }).ok, true);
      assert.ok(byTime.includes('"access.read"'), 'a time range holds the reads made in it');
      const byReader = await pkg({ kind: 'subject', subject: 'principal:aud' });
      assert.equal(verifyPackage(byReader, { key: vkey }).ok, true, 'principal:aud: every read by aud');
    });

    it('records only the reads the active policy pack lists', async () => {
      const activate = async (audit: string) => {
        const source = `${fs.readFileSync(examplePolicyPath(), 'utf8').replace(/\naudit:\n(  .*\n|    .*\n)*/, '\n')}\n${audit}\n`;
        const proposal = await s.cairn.policies.propose({ id: 'alice', type: 'user', auth: 'token' }, source, 'narrow the read audit');
        await s.cairn.policies.approve({ id: 'cara', type: 'user', auth: 'token' }, proposal.id, 'agreed');
      };
      await activate('audit:\n  record_reads: [evidence_documents]');
      assert.equal((await readsDuring(() => get(`/api/v1/evidence/${evidence}`))).length, 1);
      assert.deepEqual(await readsDuring(() => get(`/api/v1/datasets/${f.derived}/manifest`)), [], 'manifests are not listed');
      assert.deepEqual(await readsDuring(() => get('/api/v1/exports')), []);
      await activate('audit:\n  record_reads: []');
      assert.deepEqual(await readsDuring(() => get(`/api/v1/evidence/${evidence}`)), [], '[] records none');
      await activate('');
      assert.equal((await readsDuring(() => get(`/api/v1/datasets/${f.derived}/manifest`))).length, 1, 'without an audit section every kind is recorded');
    });
  });
}
