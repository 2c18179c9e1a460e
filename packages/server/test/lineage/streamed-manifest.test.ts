import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicalManifest, manifestDigest } from '@cairn/verify';
import { sql } from 'kysely';
import { manifestPieces } from '../../src/lineage/manifest-parts.js';
import { ABANDONED_AFTER_MS } from '../../src/lineage/manifest-sink.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { objects, sha } from '../helpers/lineage.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const NDJSON = 'application/x-ndjson';
const sorted = (list: { path: string; size: number; sha256: string }[]) => [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
const ndjson = (metadata: object, list: readonly object[]) => [JSON.stringify(metadata), ...list.map((o) => JSON.stringify(o))].join('\n') + '\n';

for (const storeCase of storeCases) {
  describe(`streamed dataset manifests (NDJSON) on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let engineer: string;
    let auditor: string;
    const location = storeCase.fresh();
    // Beside the embedded store a streamed manifest is a file; in PostgreSQL, rows.
    const manifestDir = path.join(location.dataDir, 'manifests');
    before(async () => {
      s = await startCairn(location);
      engineer = await s.token(['engineer'], 'erin-engineer');
      auditor = await s.token(['auditor'], 'audrey');
    });
    after(async () => s.close());

    const stream = (body: string | Buffer) => s.request('POST', '/api/v1/datasets', { token: engineer, rawBody: body as string, headers: { 'content-type': NDJSON } });
    /** Transactions that have written this store's table of pieces and are still open (an upload under way). */
    const openPieceTransactions = async () => {
      const r = await sql<{ n: string }>`select count(*) as n from pg_locks where relation = 'dataset_manifest_parts'::regclass and mode = 'RowExclusiveLock' and pid <> pg_backend_pid()`.execute(s.cairn.store.db);
      return Number(r.rows[0]!.n);
    };
    const counts = async () => {
      await s.cairn.ledger.flush();
      const db = s.cairn.store.db;
      const n = async (table: 'dataset_versions' | 'dataset_manifests' | 'dataset_manifest_parts') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const files = fs.existsSync(manifestDir) ? fs.readdirSync(manifestDir).length : 0;
      return { log: await s.cairn.ledger.size(), versions: await n('dataset_versions'), manifests: await n('dataset_manifests'), parts: storeCase.name === 'sqlite' ? files : await n('dataset_manifest_parts') };
    };

    it('registers a manifest sent line by line, with the digest @cairn/verify computes, stored in pieces', async () => {
      const list = sorted(objects('imaging-2026-11', 12_000));
      const res = await stream(ndjson({ name: 'imaging', dataClasses: ['internal'], owner: 'radiology' }, list));
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.digest, manifestDigest(list));
      assert.equal(res.body.objectCount, 12_000);
      assert.equal(res.body.totalBytes, list.reduce((n, o) => n + o.size, 0));
      assert.equal(res.body.state, 'quarantine');
      const entry = await s.cairn.ledger.entry(res.body.ledgerIndex);
      assert.equal(entry.entry.kind, 'dataset.registered');
      assert.equal(entry.entry.actor.id, 'erin-engineer');
      const stored = await counts();
      if (storeCase.name === 'sqlite') assert.equal(stored.parts, 1, 'one file beside the store');
      else assert.ok(stored.parts > 10, `a 1.5 MB manifest in ~64 KiB rows (${stored.parts})`);
      if (storeCase.name === 'sqlite') assert.equal(fs.statSync(path.join(manifestDir, fs.readdirSync(manifestDir)[0]!)).mode & 0o777, 0o600);
      const manifest = await s.request('GET', `/api/v1/datasets/${res.body.digest}/manifest`, { token: auditor });
      assert.equal(manifest.status, 200);
      assert.equal(manifest.text, canonicalManifest(list), 'the stored text is the canonical manifest, byte for byte');
      const read = await counts();
      assert.deepEqual(read, { ...stored, log: stored.log + 1 }, 'the manifest read is recorded (access.read), and only that');
      assert.equal((await s.cairn.ledger.entry(read.log - 1)).entry.kind, 'access.read');
      const asJson = await s.request('POST', '/api/v1/datasets', { token: engineer, body: { name: 'imaging', dataClasses: ['internal'], objects: [...list].reverse() } });
      assert.equal(asJson.status, 409, 'the same objects as one JSON body are the same version');
      assert.equal(asJson.body.error.code, 'dataset_exists');
      const again = await stream(ndjson({ name: 'imaging', dataClasses: ['internal'] }, list));
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'dataset_exists');
      assert.deepEqual(await counts(), read, 'the refused repeats left no pieces');
    });

    it('accepts CRLF line ends, blank lines and a last line without a newline; digests agree with the JSON route', async () => {
      const list = sorted(objects('crlf', 3));
      const body = `${JSON.stringify({ name: 'crlf', dataClasses: ['internal'] })}\r\n\r\n${list.map((o) => JSON.stringify(o)).join('\r\n')}`;
      const res = await stream(body);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.digest, manifestDigest(list));
      const manifest = await s.request('GET', `/api/v1/datasets/${res.body.digest}/manifest`, { token: auditor });
      assert.equal(manifest.text, canonicalManifest(list));
    });

    it('refuses bad lines with their number, and leaves nothing behind: no entry, no row, no piece', async () => {
      const before = await counts();
      const good = sorted(objects('bad', 4));
      const meta = { name: 'bad', dataClasses: ['internal'] };
      const cases: { what: string; body: string | Buffer; status: number; code: string; line?: number; message?: RegExp }[] = [
        { what: 'out of order', body: ndjson(meta, [good[0]!, good[2]!, good[1]!]), status: 422, code: 'manifest_invalid', line: 4, message: /out of order/ },
        { what: 'duplicate path', body: ndjson(meta, [good[0]!, good[1]!, { ...good[1]!, size: 7 }]), status: 422, code: 'manifest_invalid', line: 4, message: /duplicate path \(first at 3\)/ },
        { what: 'malformed line', body: `${JSON.stringify(meta)}\n${JSON.stringify(good[0])}\n{"path":"bad/x","size":1,\n`, status: 422, code: 'manifest_invalid', line: 3, message: /not JSON/ },
        { what: 'line over the maximum', body: ndjson(meta, [good[0]!, { path: `bad/${'x'.repeat(20_000)}`, size: 1, sha256: sha('x') }]), status: 422, code: 'manifest_invalid', line: 3, message: /longer than 16384 characters/ },
        { what: 'unknown field', body: ndjson(meta, [{ ...good[0]!, owner: 'me' }]), status: 422, code: 'manifest_invalid', line: 2, message: /unknown field "owner"/ },
        { what: 'bad digest', body: ndjson(meta, [{ ...good[0]!, sha256: 'ABC' }]), status: 422, code: 'manifest_invalid', line: 2, message: /64 lowercase hex/ },
        { what: 'negative size', body: ndjson(meta, [{ ...good[0]!, size: -1 }]), status: 422, code: 'manifest_invalid', line: 2, message: /non-negative integer/ },
        { what: 'an array, not an object', body: ndjson(meta, [[1, 2]]), status: 422, code: 'manifest_invalid', line: 2 },
        { what: 'no objects', body: ndjson(meta, []), status: 422, code: 'manifest_invalid', line: 0 },
        { what: 'not UTF-8', body: Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n{"path":"bad/`), Buffer.from([0xff, 0xfe]), Buffer.from(`","size":1,"sha256":"${sha('u')}"}\n`)]), status: 422, code: 'manifest_invalid', line: 2, message: /UTF-8/ },
        { what: 'empty body', body: '', status: 400, code: 'invalid_request' },
        { what: 'metadata not JSON', body: `name=bad\n${JSON.stringify(good[0])}\n`, status: 400, code: 'invalid_json' },
        { what: 'metadata without classes', body: ndjson({ name: 'bad' }, good), status: 400, code: 'invalid_request', message: /line 1\/dataClasses is required/ },
        { what: 'metadata with objects', body: ndjson({ ...meta, objects: good }, good), status: 400, code: 'invalid_request', message: /line 1\/objects unknown field/ },
        { what: 'unknown data class', body: ndjson({ name: 'bad', dataClasses: ['secret-sauce'] }, good), status: 422, code: 'unknown_data_class' },
      ];
      for (const c of cases) {
        const res = await stream(c.body);
        assert.equal(res.status, c.status, `${c.what}: ${res.text}`);
        assert.equal(res.body.error.code, c.code, c.what);
        if (c.line !== undefined) assert.equal(res.body.error.details.issues[0].line, c.line, c.what);
        if (c.message) assert.match(res.body.error.message, c.message, c.what);
      }
      assert.deepEqual(await counts(), before);
    });

    it('removes the pieces already stored when a line deep in a large upload is refused', async () => {
      const before = await counts();
      const list = sorted(objects('deep', 20_000));
      const body = ndjson({ name: 'deep', dataClasses: ['internal'] }, [...list, { path: 'aaa-sorts-first', size: 1, sha256: sha('a') }]);
      const res = await stream(body);
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.error.details.issues[0].line, 20_002);
      assert.deepEqual(await counts(), before);
    });

    it('stores nothing when the client aborts mid-upload', async () => {
      const before = await counts();
      const list = sorted(objects('aborted', 30_000));
      const target = new URL('/api/v1/datasets', s.url);
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { authorization: `Bearer ${engineer}`, 'content-type': NDJSON } });
      req.on('error', () => undefined);
      req.write(`${JSON.stringify({ name: 'aborted', dataClasses: ['internal'] })}\n`);
      const text = list.map((o) => JSON.stringify(o)).join('\n');
      req.write(text.slice(0, 2_500_000)); // many pieces' worth, cut mid-line
      // Wait until the server has stored a piece of it, so the abort is seen mid-upload: a file
      // beside the embedded store; in PostgreSQL, rows in the upload's own open transaction.
      const storing = async () => (storeCase.name === 'sqlite' ? (await counts()).parts > before.parts : (await openPieceTransactions()) > 0);
      const deadline = Date.now() + 20_000;
      while (!(await storing()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(await storing(), 'the server stored pieces while the upload was under way');
      req.destroy();
      // …then until it has cleaned up after the abort.
      while ((await storing()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await storing(), false, 'the upload was rolled back or removed');
      assert.deepEqual(await counts(), before);
    });

    it('refuses NDJSON anywhere else, and a JSON manifest over its limit', async () => {
      const res = await s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[]}\n', headers: { 'content-type': NDJSON } });
      assert.equal(res.status, 415);
      assert.equal(res.body.error.code, 'unsupported_media_type');
      const big = objects('too-big-for-json', 70_000);
      const json = await s.request('POST', '/api/v1/datasets', { token: engineer, body: { name: 'big', dataClasses: ['internal'], objects: big } });
      assert.equal(json.status, 413, 'a JSON body over 8 MiB is refused: such manifests are streamed');
      assert.equal(json.body.error.code, 'payload_too_large');
    });

    it('sweeps pieces of uploads cut off long ago that no registration names', async () => {
      const pieces = manifestPieces(s.cairn.store, location.dataDir);
      const stale = await pieces.open();
      await stale.write('{"objects":[');
      await stale.seal();
      const fresh = await pieces.open();
      await fresh.write('{"objects":[');
      await fresh.seal();
      const before = (await counts()).parts;
      assert.equal(await pieces.sweep(Date.now() + 60_000), 0, 'nothing is a day old yet');
      assert.equal(await pieces.sweep(Date.now() + ABANDONED_AFTER_MS + 60_000), 2, 'both unnamed uploads are swept a day later');
      assert.equal((await counts()).parts, before - 2, 'the pieces of registered manifests are kept');
      const registered = await s.cairn.store.db.selectFrom('dataset_manifests').select(['digest', 'upload']).where('upload', 'is not', null).execute();
      for (const r of registered) {
        let text = '';
        for await (const piece of pieces.read(r.upload!)) text += piece;
        assert.equal(`sha256:${sha(text)}`, r.digest, 'a registered manifest still reads back whole');
      }
    });
  });
}
