import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromBase64, fromHex, leafHash, toHex, verifyCheckpoint, verifyConsistency, verifyInclusion } from '@cairn/verify';
import { startCairn, type RunningCairn } from './helpers/cairn.js';
import { cleanupStores, storeCases } from './helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`HTTP API on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      s = await startCairn(storeCase.fresh(), { bodyLimit: 64 * 1024 });
    });
    after(async () => s.close());

    const size = async () => s.cairn.ledger.size();

    it('appends, then serves the entry, the checkpoint and proofs that verify', async () => {
      const base = await size(); // the bootstrap wrote the first entries (policy, admin token)
      const res = await s.request('POST', '/api/v1/entries', {
        body: { entries: [{ kind: 'custom.pipeline.step', subject: 'run:1', body: { step: 'train' } }, { kind: 'custom.pipeline.step', body: { step: 'eval' } }] },
      });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.entries.map((e: { index: number }) => e.index), [base, base + 1]);
      assert.equal(res.body.treeSize, base + 2);

      const key = await s.request('GET', '/api/v1/log/key');
      assert.equal(key.status, 200);
      assert.match(key.body.verifierKey, /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
      assert.equal(key.body.verifierKey.split('+')[0], key.body.origin);

      const entry = await s.request('GET', `/api/v1/log/entries/${base + 1}`);
      assert.equal(entry.status, 200);
      assert.equal(entry.body.leafHash, toHex(leafHash(fromBase64(entry.body.leaf))));
      assert.equal(entry.body.leafHash, res.body.entries[1].leafHash);
      assert.equal(entry.body.entry.actor.id, 'admin');
      assert.equal(entry.body.entry.actor.auth, 'token');

      const proof = await s.request('GET', `/api/v1/log/proof/inclusion?index=${base + 1}`);
      assert.equal(proof.status, 200);
      const cp = verifyCheckpoint(proof.body.checkpoint, key.body.verifierKey);
      assert.equal(cp.size, base + 2);
      verifyInclusion(base + 1, proof.body.treeSize, fromHex(proof.body.leafHash), proof.body.hashes.map(fromHex), cp.rootHash);

      const note = await s.request('GET', '/api/v1/log/checkpoint');
      assert.equal(note.status, 200);
      assert.match(note.headers.get('content-type')!, /^text\/plain/);
      assert.equal(note.text, proof.body.checkpoint);

      await s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.x', body: {} }] } });
      const signed = await s.request('POST', '/api/v1/log/checkpoint');
      assert.equal(signed.status, 200);
      const cp3 = verifyCheckpoint(signed.text, key.body.verifierKey);
      assert.equal(cp3.size, base + 3);
      const byNumber = await s.request('GET', `/api/v1/log/checkpoints/${base + 3}`);
      assert.equal(byNumber.text, signed.text);
      const consistency = await s.request('GET', `/api/v1/log/proof/consistency?from=${base + 2}&to=${base + 3}`);
      assert.equal(consistency.status, 200);
      verifyConsistency(base + 2, base + 3, consistency.body.hashes.map(fromHex), cp.rootHash, cp3.rootHash);

      const range = await s.request('GET', `/api/v1/log/entries?start=${base + 1}&limit=5`);
      assert.deepEqual(range.body.entries.map((e: { index: number }) => e.index), [base + 1, base + 2]);
    });

    const bad: Array<[string, () => Promise<{ status: number; body: any }>, number, string]> = [
      ['malformed JSON', () => s.request('POST', '/api/v1/entries', { rawBody: '{"entries": [' }), 400, 'invalid_json'],
      ['empty JSON body', () => s.request('POST', '/api/v1/entries', { rawBody: '' }), 400, 'invalid_json'],
      ['wrong type', () => s.request('POST', '/api/v1/entries', { body: { entries: 'x' } }), 400, 'invalid_request'],
      ['body not an object', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a', body: [1] }] } }), 400, 'invalid_request'],
      ['unknown top-level field', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a', body: {} }], extra: 1 } }), 400, 'invalid_request'],
      ['unknown entry field', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a', body: {}, actor: 'me' }] } }), 400, 'invalid_request'],
      ['missing body', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a' }] } }), 400, 'invalid_request'],
      ['no entries', () => s.request('POST', '/api/v1/entries', { body: { entries: [] } }), 400, 'invalid_request'],
      ['bad kind syntax', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'Custom A', body: {} }] } }), 400, 'invalid_request'],
      ['reserved kind (atomic with a valid one)', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a', body: {} }, { kind: 'dataset.registered', body: {} }] } }), 422, 'kind_reserved'],
      ['lone surrogate', () => s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[{"kind":"custom.a","body":{}},{"kind":"custom.a","body":{"s":"\\ud800"}}]}' }), 422, 'entry_invalid'],
      ['prototype pollution', () => s.request('POST', '/api/v1/entries', { rawBody: '{"entries":[{"kind":"custom.a","body":{"__proto__":{"x":1}}}]}' }), 400, 'invalid_json'],
      ['body over the limit', () => s.request('POST', '/api/v1/entries', { body: { entries: [{ kind: 'custom.a', body: { pad: 'x'.repeat(70 * 1024) } }] } }), 413, 'payload_too_large'],
      ['wrong media type', () => s.request('POST', '/api/v1/entries', { rawBody: 'kind=custom.a', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['no token', () => s.request('POST', '/api/v1/entries', { token: null, body: { entries: [{ kind: 'custom.a', body: {} }] } }), 401, 'unauthenticated'],
      ['unknown token', () => s.request('POST', '/api/v1/entries', { token: 'cairn_nope', body: { entries: [{ kind: 'custom.a', body: {} }] } }), 401, 'unauthenticated'],
      ['malformed Authorization', () => s.request('POST', '/api/v1/entries', { token: null, headers: { authorization: 'Basic abc' }, body: { entries: [{ kind: 'custom.a', body: {} }] } }), 401, 'unauthenticated'],
      ['index not a number', () => s.request('GET', '/api/v1/log/entries/abc'), 400, 'invalid_request'],
      ['negative index', () => s.request('GET', '/api/v1/log/entries/-1'), 400, 'invalid_request'],
      ['huge index', () => s.request('GET', '/api/v1/log/entries/99999999999999999999'), 400, 'invalid_request'],
      ['entry out of range', () => s.request('GET', '/api/v1/log/entries/123456'), 404, 'entry_not_found'],
      ['proof index out of range', () => s.request('GET', '/api/v1/log/proof/inclusion?index=123456'), 422, 'index_out_of_range'],
      ['proof into an unsigned size', () => s.request('GET', '/api/v1/log/proof/inclusion?index=0&treeSize=777'), 422, 'tree_size_not_signed'],
      ['proof with unknown parameter', () => s.request('GET', '/api/v1/log/proof/inclusion?index=0&foo=1'), 400, 'invalid_request'],
      ['consistency reversed', () => s.request('GET', '/api/v1/log/proof/consistency?from=3&to=2'), 422, 'invalid_range'],
      ['consistency missing to', () => s.request('GET', '/api/v1/log/proof/consistency?from=1'), 400, 'invalid_request'],
      ['checkpoint of unsigned size', () => s.request('GET', '/api/v1/log/checkpoints/999'), 422, 'tree_size_not_signed'],
      ['unknown route', () => s.request('GET', '/api/v1/nope'), 404, 'route_not_found'],
    ];

    for (const [name, call, status, code] of bad) {
      it(`answers ${status} ${code} to ${name}, and writes nothing`, async () => {
        const before = await size();
        const res = await call();
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body?.error?.code, code);
        assert.equal(typeof res.body.error.message, 'string');
        assert.ok(!JSON.stringify(res.body).includes('    at '), 'no stack trace');
        await s.cairn.ledger.flush();
        assert.equal(await size(), before);
      });
    }

    it('gives 403 forbidden to a valid token without the permission, and 401 token_expired after expiry', async () => {
      const auditor = await s.token(['auditor']);
      const read = await s.request('GET', '/api/v1/log/key', { token: auditor });
      assert.equal(read.status, 200);
      const write = await s.request('POST', '/api/v1/entries', { token: auditor, body: { entries: [{ kind: 'custom.a', body: {} }] } });
      assert.equal(write.status, 403);
      assert.equal(write.body.error.code, 'forbidden');
      assert.equal(write.body.error.details.permission, 'log:append');

      const shortLived = await s.token(['service'], 'temp', { ttlSeconds: 1 });
      assert.equal((await s.request('GET', '/api/v1/log/key', { token: shortLived })).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      const late = await s.request('GET', '/api/v1/log/key', { token: shortLived });
      assert.equal(late.status, 401);
      assert.equal(late.body.error.code, 'token_expired');
    });

    it('serves health and an OpenAPI 3.1 description of every route without a token', async () => {
      assert.deepEqual((await s.request('GET', '/healthz', { token: null })).body, { status: 'ok' });
      const doc = await s.request('GET', '/api/v1/openapi.json', { token: null });
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      for (const p of ['/api/v1/entries', '/api/v1/log/key', '/api/v1/log/checkpoint', '/api/v1/log/entries/{index}', '/api/v1/log/proof/inclusion', '/api/v1/log/proof/consistency']) {
        assert.ok(doc.body.paths[p], `OpenAPI lists ${p}`);
      }
      const post = doc.body.paths['/api/v1/entries'].post;
      assert.equal(post.requestBody.content['application/json'].schema.properties.entries.maxItems, 1000, 'the schema that validates is the one described');
      assert.deepEqual(post.security, [{ bearer: [] }]);
    });
  });
}
