import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCairn, type Cairn } from '@cairn/server';
import { canonicalManifest, manifestDigest } from '@cairn/verify';
import { CairnApiError, CairnClient, STREAM_THRESHOLD } from '../src/index.js';

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const objects = (seed: string, n: number, pathOf = (i: number) => `${seed}/part-${String(i).padStart(6, '0')}.parquet`) =>
  Array.from({ length: n }, (_, i) => ({ path: pathOf(i), size: 100 + i, sha256: sha(`${seed}:${i}`) }));
/** Shuffled: the SDK sorts before it streams. */
const shuffled = <T>(list: T[]) => list.map((v) => ({ v, k: Math.random() })).sort((a, b) => a.k - b.k).map((x) => x.v);

describe('registerDataset streams large manifests (SDK)', () => {
  let dataDir: string;
  let cairn: Cairn;
  let client: CairnClient;
  // Beside the embedded store each streamed manifest is one file: how the test sees which way a manifest went.
  const streamedFiles = () => (fs.existsSync(path.join(dataDir, 'manifests')) ? fs.readdirSync(path.join(dataDir, 'manifests')).length : 0);
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sdk-upload-'));
    cairn = await openCairn({ dataDir, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent' });
    const url = await cairn.app.fastify.listen({ host: '127.0.0.1', port: 0 });
    client = new CairnClient({ url, token: fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim() });
  });
  after(async () => {
    await cairn.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`streams more than ${STREAM_THRESHOLD.objects} objects, sorted, reporting progress`, async () => {
    const list = objects('many', STREAM_THRESHOLD.objects + 1000);
    const progress: [number, number][] = [];
    const ds = await client.lineage.registerDataset({ name: 'many', objects: shuffled(list), dataClasses: ['internal'] }, { onProgress: (sent, total) => progress.push([sent, total]) });
    assert.equal(ds.digest, manifestDigest(list));
    assert.equal(ds.objectCount, list.length);
    assert.equal(streamedFiles(), 1);
    assert.deepEqual(progress.at(-1), [list.length, list.length]);
    assert.ok(progress.every(([sent], i) => i === 0 || sent > progress[i - 1]![0]), 'progress only grows');
    assert.equal(await (await fetch(`${client.url}/api/v1/datasets/${ds.digest}/manifest`, { headers: { authorization: `Bearer ${fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim()}` } })).text(), canonicalManifest(list));
  });

  it(`streams a manifest over ${STREAM_THRESHOLD.bytes} bytes of few objects, and sends a small one as JSON`, async () => {
    const long = objects('long', 1200, (i) => `long/${String(i).padStart(6, '0')}/${'x'.repeat(4000)}`);
    const ds = await client.lineage.registerDataset({ name: 'long-paths', objects: long, dataClasses: ['internal'] });
    assert.equal(ds.digest, manifestDigest(long));
    assert.equal(streamedFiles(), 2);
    const small = objects('small', 10);
    const json = await client.lineage.registerDataset({ name: 'small', objects: small, dataClasses: ['internal'] });
    assert.equal(json.digest, manifestDigest(small));
    assert.equal(streamedFiles(), 2, 'a small manifest goes as one JSON body');
    const forced = await client.lineage.registerDataset({ name: 'forced', objects: objects('forced', 3), dataClasses: ['internal'] }, { stream: true });
    assert.equal(forced.digest, manifestDigest(objects('forced', 3)));
    assert.equal(streamedFiles(), 3);
  });

  it('surfaces the server refusal of a streamed manifest, which leaves nothing behind', async () => {
    const list = objects('dup', STREAM_THRESHOLD.objects + 10);
    list.push({ ...list[42]!, size: 1 });
    const files = streamedFiles();
    await assert.rejects(client.lineage.registerDataset({ name: 'dup', objects: list, dataClasses: ['internal'] }), (err: unknown) => {
      assert.ok(err instanceof CairnApiError);
      assert.equal(err.status, 422);
      assert.equal(err.code, 'manifest_invalid');
      assert.match(err.message, /duplicate path/);
      return true;
    });
    assert.equal(streamedFiles(), files);
  });
});
