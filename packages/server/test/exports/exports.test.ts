import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyPackage } from '@cairn/verify';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { playFactory, type Factory } from '../helpers/factory.js';
import { cleanupStores, storeCases, tempDir } from '../helpers/stores.js';

after(cleanupStores);

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** POSTs an export and returns the raw package bytes and headers. */
async function exportPackage(s: RunningCairn, token: string, body: object): Promise<{ status: number; bytes: Buffer; headers: Headers; json?: any }> {
  const res = await fetch(`${s.url}/api/v1/exports`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  if (!res.ok) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, bytes, headers: res.headers, json };
}

/** Unpacks with the system's tar: the package must be an ordinary POSIX archive. */
function untar(bytes: Uint8Array): { dir: string; files: string[] } {
  const dir = tempDir('cairn-export-');
  const file = path.join(dir, '..', `${path.basename(dir)}.tar`);
  fs.writeFileSync(file, bytes);
  execFileSync('tar', ['-xf', file, '-C', dir]);
  const listing = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
  fs.rmSync(file);
  return { dir, files: listing };
}

const kindsIn = (dir: string) => fs.readdirSync(path.join(dir, 'entries')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'entries', f), 'utf8')) as { kind: string; subject?: string });

async function waitCompleted(s: RunningCairn, id: string, token: string): Promise<any> {
  for (let i = 0; i < 100; i += 1) {
    const r = await s.request('GET', `/api/v1/exports/${id}`, { token });
    if (r.body.state !== 'building') return r.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`export ${id} never left building`);
}

for (const storeCase of storeCases) {
  describe(`compliance packages on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let f: Factory;
    let vkey: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      f = await playFactory(s);
      vkey = (await s.request('GET', '/api/v1/log/key')).body.verifierKey;
    });
    after(async () => s.close());

    it('exports a model version: recorded before and after, complete, verifiable with the log key', async () => {
      const before = await s.cairn.ledger.size();
      const r = await exportPackage(s, f.tokens['aud']!, { scope: { kind: 'model', model: 'readmission', version: '1.0.0' }, reason: 'annual model-risk review' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.headers.get('content-type'), 'application/x-tar');
      const id = r.headers.get('cairn-export-id')!;
      const record = await waitCompleted(s, id, f.tokens['aud']!);
      assert.equal(record.state, 'completed');
      assert.equal(record.sha256, `sha256:${sha256(r.bytes)}`);
      assert.equal(record.size, r.bytes.length);
      assert.equal(r.bytes.length % 10240, 0, 'padded to whole tar records');

      // The request is an entry before the package's checkpoint; the completion comes after it.
      const requested = await s.cairn.ledger.entry(record.requestIndex);
      assert.equal(requested.entry.kind, 'export.requested');
      assert.equal(requested.entry.actor.id, 'aud');
      assert.deepEqual(requested.entry.body['scope'], { kind: 'model', model: 'readmission', version: '1.0.0' });
      assert.equal(requested.entry.body['reason'], 'annual model-risk review');
      assert.ok(record.requestIndex >= before && record.requestIndex < record.checkpointSize);
      const completed = await s.cairn.ledger.entry(record.completionIndex);
      assert.equal(completed.entry.kind, 'export.completed');
      assert.equal(completed.entry.body['sha256'], record.sha256);
      assert.ok(record.completionIndex >= record.checkpointSize);

      const verdict = verifyPackage(r.bytes, { key: vkey });
      assert.equal(verdict.ok, true, JSON.stringify(verdict));

      const { dir, files } = untar(r.bytes);
      assert.deepEqual(files, [...files].sort(), 'members in name order');
      for (const name of ['VERIFY.md', 'checkpoint', 'controls.json', 'keys/log.pem', 'keys/log.vkey', 'manifest.json', 'manifest.sig', 'report.html', 'sha256sums']) {
        assert.ok(files.includes(name), `the package has ${name}`);
      }
      const entries = kindsIn(dir);
      const kinds = new Set(entries.map((e) => e.kind));
      for (const k of ['model.registered', 'model_version.registered', 'model_version.evidence_added', 'model_version.approval', 'model_version.approval_refused', 'deployment.refused', 'deployment.created', 'deployment.rolled_back', 'run.started', 'run.completed', 'dataset.registered', 'dataset.certified', 'policy.activated']) {
        assert.ok(kinds.has(k), `the package has ${k} (has ${[...kinds].join(', ')})`);
      }
      // Version 1's scope leaves out version 2's own entries but keeps the rollback that restored version 1.
      const subjects = new Set(entries.map((e) => e.subject));
      assert.ok(subjects.has(`model-version:${f.versions[0]}`));
      assert.ok(!subjects.has(`model-version:${f.versions[1]}`), 'version 2 is another scope');
      assert.ok(!subjects.has(`run:${f.runs[1]}`), 'version 2 run is another scope');
      assert.ok(subjects.has(`dataset:${f.raw}`) && subjects.has(`dataset:${f.derived}`), 'the lineage reaches the raw data');
      assert.ok(!kinds.has('custom.etl.batch') && !kinds.has('export.requested'));
      // Evidence: 6 documents, the model card and the run's lineage bundle, each named by its digest.
      const evidence = fs.readdirSync(path.join(dir, 'evidence'));
      assert.equal(evidence.length, 8, evidence.join(', '));
      assert.equal(evidence.filter((e) => e.endsWith('.dsse.json')).length, 1);
      for (const e of evidence) assert.equal(e.split('.')[0], sha256(fs.readFileSync(path.join(dir, 'evidence', e))));
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      assert.equal(manifest.format, 'cairn-export/v1');
      assert.equal(manifest.log.treeSize, record.checkpointSize);
      assert.equal(manifest.entries, entries.length);
      const report = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
      for (const who of ['bea', 'mo', 'cara']) assert.ok(report.includes(who), `the report names reviewer ${who}`);
      const controls = JSON.parse(fs.readFileSync(path.join(dir, 'controls.json'), 'utf8'));
      assert.ok(JSON.stringify(controls).includes('164.312'), 'HIPAA audit controls are mapped');
      // Which identities asked for the package, and why, are in the ledger, not in the package.
      assert.ok(!r.bytes.includes(Buffer.from('annual model-risk review')));
    });

    it('gives byte-identical packages for the same scope at the same checkpoint', async () => {
      const first = await exportPackage(s, f.tokens['aud']!, { scope: { kind: 'model', model: 'readmission', version: '2.0.0' }, reason: 'first' });
      assert.equal(first.status, 200);
      const size = Number(first.headers.get('cairn-checkpoint-size'));
      await s.request('POST', '/api/v1/entries', { token: f.tokens['erin']!, body: { entries: [{ kind: 'custom.later', body: {} }] } });
      const again = await exportPackage(s, f.tokens['cara']!, { scope: { kind: 'model', model: 'readmission', version: '2.0.0' }, reason: 'second, by someone else', checkpoint: size });
      assert.equal(again.status, 200, JSON.stringify(again.json));
      assert.equal(sha256(again.bytes), sha256(first.bytes));
      assert.ok(again.bytes.equals(first.bytes));
    });

    it('exports a time range and a subject', async () => {
      const all = await s.cairn.ledger.entries(f.start, 100_000);
      const from = all[5]!.entry.time;
      const to = all[20]!.entry.time;
      const expected = all.filter((e) => e.entry.time >= from && e.entry.time < to).length;
      const byTime = await exportPackage(s, f.tokens['aud']!, { scope: { kind: 'time', from, to }, reason: 'window' });
      assert.equal(byTime.status, 200, JSON.stringify(byTime.json));
      assert.equal(Number(byTime.headers.get('cairn-export-entries')), expected);
      assert.equal(verifyPackage(byTime.bytes, { key: vkey }).ok, true);
      const bySubject = await exportPackage(s, f.tokens['aud']!, { scope: { kind: 'subject', subject: `dataset:${f.raw}` }, reason: 'DPO request' });
      assert.equal(bySubject.status, 200);
      const { dir } = untar(bySubject.bytes);
      const entries = kindsIn(dir);
      assert.deepEqual(entries.map((e) => e.kind), ['dataset.registered', 'dataset.certified']);
      assert.ok(entries.every((e) => e.subject === `dataset:${f.raw}`));
      assert.equal(verifyPackage(bySubject.bytes, { key: vkey }).ok, true);
    });

    it('an older package still verifies after the log grew, and a newer checkpoint is proved consistent with it', async () => {
      const old = await exportPackage(s, f.tokens['aud']!, { scope: { kind: 'subject', subject: `run:${f.runs[0]}` }, reason: 'old' });
      const oldSize = Number(old.headers.get('cairn-checkpoint-size'));
      for (let i = 0; i < 40; i += 1) await s.request('POST', '/api/v1/entries', { token: f.tokens['erin']!, body: { entries: [{ kind: 'custom.growth', body: { i } }] } });
      const newer = await s.request('POST', '/api/v1/log/checkpoint', { token: s.adminToken });
      assert.ok([200, 201].includes(newer.status), newer.text);
      const note = (await s.request('GET', '/api/v1/log/checkpoint')).text;
      const newSize = Number(note.split('\n')[1]);
      assert.ok(newSize > oldSize);
      const proof = (await s.request('GET', `/api/v1/log/proof/consistency?from=${oldSize}&to=${newSize}`)).body;
      const hashes = proof.hashes.map((h: string) => Buffer.from(h, 'hex'));
      const verdict = verifyPackage(old.bytes, { key: vkey, newerCheckpoint: note, consistencyProof: hashes });
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      const bad = [...hashes];
      bad[0] = Buffer.alloc(32, 7);
      assert.equal(verifyPackage(old.bytes, { key: vkey, newerCheckpoint: note, consistencyProof: bad }).ok, false);
    });

    it('is governed: only export roles, every input checked, nothing recorded for a refused request', async () => {
      const body = { scope: { kind: 'model', model: 'readmission', version: '1.0.0' }, reason: 'because' };
      for (const who of ['erin', 'olga', 'sam']) {
        const r = await exportPackage(s, f.tokens[who]!, body);
        assert.equal(r.status, 403, who);
        assert.equal(r.json.error.code, 'forbidden');
      }
      const size = await s.cairn.ledger.size();
      const cases: [object, number, string][] = [
        [{ ...body, scope: { kind: 'model', model: 'readmission', version: '9.9.9' } }, 404, 'model_version_not_found'],
        [{ ...body, scope: { kind: 'subject', subject: 'dataset:sha256:nothing' } }, 404, 'nothing_in_scope'],
        [{ ...body, scope: { kind: 'time', from: '2020-01-02T00:00:00Z', to: '2020-01-01T00:00:00Z' } }, 422, 'invalid_range'],
        [{ ...body, scope: { kind: 'time', from: '1999-01-01T00:00:00Z', to: '2000-01-01T00:00:00Z' } }, 404, 'nothing_in_scope'],
        [{ ...body, checkpoint: 999_999 }, 422, 'tree_size_not_signed'],
        [{ ...body, scope: { kind: 'everything' } }, 400, 'invalid_request'],
        [{ ...body, reason: '' }, 400, 'invalid_request'],
        [{ ...body, extra: 1 }, 400, 'invalid_request'],
        [{ scope: body.scope }, 400, 'invalid_request'],
        [{ ...body, scope: { kind: 'time', from: 'yesterday', to: '2020-01-01T00:00:00Z' } }, 400, 'invalid_request'],
      ];
      for (const [b, status, code] of cases) {
        const r = await exportPackage(s, f.tokens['aud']!, b);
        assert.equal(r.status, status, `${JSON.stringify(b)} → ${r.status} ${JSON.stringify(r.json)}`);
        assert.equal(r.json.error.code, code);
      }
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), size, 'refused requests wrote nothing');
      const list = await s.request('GET', '/api/v1/exports', { token: f.tokens['aud']! });
      assert.equal(list.status, 200);
      assert.ok(list.body.exports.length >= 1);
      assert.equal((await s.request('GET', '/api/v1/exports', { token: f.tokens['olga']! })).status, 403);
      assert.equal((await s.request('GET', '/api/v1/exports/exp_missing', { token: f.tokens['aud']! })).body.error.code, 'export_not_found');
    });

    it('records a package whose consumer stopped reading as failed', async () => {
      const started = await s.cairn.exports.start({ id: 'aud', type: 'user', auth: 'token' }, { scope: { kind: 'model', model: 'readmission', version: '1.0.0' }, reason: 'will hang up' });
      const first = await started.body.next();
      assert.equal(first.done, false);
      await started.body.return(undefined);
      const record = await s.cairn.exports.get(started.record.id);
      assert.equal(record.state, 'failed');
      assert.equal(record.error, 'aborted');
      const entries = await s.cairn.ledger.entries(record.requestIndex, 10_000);
      assert.ok(entries.some((e) => e.entry.kind === 'export.failed' && e.entry.body['id'] === record.id));
      assert.ok(!entries.some((e) => e.entry.kind === 'export.completed' && e.entry.body['id'] === record.id));
    });
  });
}
