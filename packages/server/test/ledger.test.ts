import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { leafHash, rootFromLeafHashes, verifyCheckpoint, verifyConsistency, verifyInclusion } from '@cairn/verify';
import { CairnError } from '../src/errors/catalog.js';
import type { Ledger } from '../src/ledger/ledger.js';
import { entries, openLedger, testActor } from './helpers/ledger.js';
import { cleanupStores, storeCases } from './helpers/stores.js';

after(cleanupStores);

/** Checks every inclusion proof into, and consistency proof between, the signed sizes. */
async function checkAllProofs(ledger: Ledger, sizes: number[]): Promise<void> {
  const roots = new Map<number, Uint8Array>();
  for (const size of sizes) {
    const cp = await ledger.checkpointAt(size);
    roots.set(size, verifyCheckpoint(cp.note, ledger.signer.verifierKey).rootHash);
  }
  for (const size of sizes) {
    for (let i = 0; i < size; i += 1) {
      const p = await ledger.inclusionProof(i, size);
      verifyInclusion(i, size, p.leafHash, p.hashes, roots.get(size)!);
    }
  }
  for (const a of sizes) {
    for (const b of sizes) {
      if (a > b) continue;
      const p = await ledger.consistencyProof(a, b);
      verifyConsistency(a, b, p.hashes, roots.get(a)!, roots.get(b)!);
    }
  }
}

for (const storeCase of storeCases) {
  describe(`ledger on ${storeCase.name}`, () => {
    it('numbers entries consecutively and serves proofs that verify at every signed size', async () => {
      const { store, ledger } = await openLedger(storeCase.fresh());
      try {
        const sizes: number[] = [];
        const hashes: Uint8Array[] = [];
        for (const batch of [1, 1, 2, 5, 8, 3, 13, 1]) {
          const result = await ledger.append({ actor: testActor, entries: entries(batch, `b${hashes.length}`) });
          for (const [k, e] of result.entries.entries()) {
            assert.equal(e.index, hashes.length, 'indices are consecutive');
            assert.equal(e.index, result.entries[0]!.index + k);
            hashes.push(e.leafHash);
          }
          assert.equal(result.treeSize, hashes.length);
          const cp = await ledger.checkpoints.signIfGrown();
          assert.equal(cp!.size, hashes.length);
          sizes.push(cp!.size);
        }
        const latest = verifyCheckpoint((await ledger.checkpoints.latest())!.note, ledger.signer.verifierKey);
        assert.equal(latest.origin, 'test.cairn.example/log');
        assert.deepEqual(Buffer.from(latest.rootHash), Buffer.from(rootFromLeafHashes(hashes)), 'the signed root is the RFC 6962 root of the leaves');
        await checkAllProofs(ledger, sizes);
      } finally {
        await store.close();
      }
    });

    it('stores the exact canonical leaf bytes with the actor and a server time', async () => {
      const { store, ledger } = await openLedger(storeCase.fresh());
      try {
        await ledger.append({ actor: testActor, entries: [{ kind: 'custom.a', body: { z: 1, a: [true, null, 'é'] } }] });
        const e = await ledger.entry(0);
        assert.equal(Buffer.from(e.leaf).toString('utf8'), `{"actor":{"auth":"token","id":"tester","tokenId":"tok_test","type":"service"},"body":{"a":[true,null,"é"],"z":1},"kind":"custom.a","time":"${e.entry.time}"}`);
        assert.deepEqual(Buffer.from(e.leafHash), Buffer.from(leafHash(e.leaf)));
        assert.match(e.entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(!('subject' in e.entry), 'absent subject is omitted, not null');
      } finally {
        await store.close();
      }
    });

    it('group-commits concurrent appends: contiguous indices, each request consecutive, times non-decreasing', async () => {
      const { store, ledger } = await openLedger(storeCase.fresh());
      try {
        const results = await Promise.all(
          Array.from({ length: 300 }, (_, r) => ledger.append({ actor: testActor, entries: entries(1 + (r % 3), `r${r}`) })),
        );
        const seen = new Set<number>();
        for (const result of results) {
          result.entries.forEach((e, k) => {
            assert.equal(e.index, result.entries[0]!.index + k, 'a request is one consecutive run');
            assert.ok(!seen.has(e.index));
            seen.add(e.index);
            assert.ok(result.treeSize > e.index);
          });
        }
        assert.equal(seen.size, 600);
        assert.equal(await ledger.size(), 600);
        const all = await ledger.entries(0, 600);
        assert.deepEqual(all.map((e) => e.index), [...Array(600).keys()]);
        for (let i = 1; i < all.length; i += 1) assert.ok(all[i]!.entry.time >= all[i - 1]!.entry.time);
        // A batch really formed: fewer transactions than requests means fewer distinct tree sizes reported.
        assert.ok(new Set(results.map((r) => r.treeSize)).size < 300, 'concurrent requests shared transactions');
      } finally {
        await store.close();
      }
    });

    it('writes a request all or nothing, without harming the others in its batch', async () => {
      const { store, ledger } = await openLedger(storeCase.fresh());
      try {
        const good1 = ledger.append({ actor: testActor, entries: entries(2, 'g1') });
        const failing = ledger.append({
          actor: testActor,
          entries: entries(3, 'bad'),
          apply: async (trx) => {
            await trx.insertInto('cairn_meta').values({ key: 'projection.row', value: 'x' }).execute();
            throw new Error('projection refused');
          },
        });
        const surrogate = ledger.append({ actor: testActor, entries: [{ kind: 'custom.a', body: { ok: 1 } }, { kind: 'custom.a', body: { s: '\ud800' } }] });
        const good2 = ledger.append({
          actor: testActor,
          entries: entries(1, 'g2'),
          apply: async (trx, appended) => {
            await trx.insertInto('cairn_meta').values({ key: 'projection.good', value: String(appended[0]!.index) }).execute();
          },
        });
        const [r1, rf, rs, r2] = await Promise.allSettled([good1, failing, surrogate, good2]);
        assert.equal(r1.status, 'fulfilled');
        assert.equal(r2.status, 'fulfilled');
        assert.equal(rf.status, 'rejected');
        assert.equal(rs.status, 'rejected');
        assert.equal(((rs as PromiseRejectedResult).reason as CairnError).code, 'entry_invalid');
        assert.equal(await ledger.size(), 3);
        const kinds = (await ledger.entries(0, 10)).map((e) => e.entry.subject);
        assert.deepEqual(kinds, ['g1:0', 'g1:1', 'g2:0']);
        const meta = await store.db.selectFrom('cairn_meta').select(['key', 'value']).where('key', 'like', 'projection.%').execute();
        assert.deepEqual(meta, [{ key: 'projection.good', value: '2' }], 'the failed projection was rolled back, the good one kept');
      } finally {
        await store.close();
      }
    });

    it('keeps entry times non-decreasing when the clock steps back', async () => {
      let now = Date.parse('2030-01-01T00:00:10.000Z');
      const { store, ledger } = await openLedger(storeCase.fresh(), { now: () => (now -= 1000) });
      try {
        await ledger.append({ actor: testActor, entries: entries(3) });
        const times = (await ledger.entries(0, 3)).map((e) => e.entry.time);
        assert.deepEqual(times, ['2030-01-01T00:00:09.000Z', '2030-01-01T00:00:09.000Z', '2030-01-01T00:00:09.000Z']);
      } finally {
        await store.close();
      }
    });

    it('refuses bad proof requests with typed errors', async () => {
      const { store, ledger } = await openLedger(storeCase.fresh());
      try {
        await assert.rejects(ledger.inclusionProof(0), (e: CairnError) => e.code === 'log_empty');
        await ledger.append({ actor: testActor, entries: entries(5) });
        await ledger.checkpoints.signIfGrown();
        await ledger.append({ actor: testActor, entries: entries(2) });
        await assert.rejects(ledger.inclusionProof(5, 5), (e: CairnError) => e.code === 'index_out_of_range');
        await assert.rejects(ledger.inclusionProof(1, 6), (e: CairnError) => e.code === 'tree_size_not_signed');
        await assert.rejects(ledger.consistencyProof(5, 3), (e: CairnError) => e.code === 'invalid_range');
        await assert.rejects(ledger.consistencyProof(2, 6), (e: CairnError) => e.code === 'tree_size_not_signed');
        await assert.rejects(ledger.entry(7), (e: CairnError) => e.code === 'entry_not_found');
        // Without a size, a proof of an entry past the latest checkpoint signs one on demand.
        const p = await ledger.inclusionProof(6);
        assert.equal(p.treeSize, 7);
      } finally {
        await store.close();
      }
    });

    it('continues one tree across restarts and across two writers on one store', async () => {
      const location = storeCase.fresh();
      const a = await openLedger(location);
      await a.ledger.append({ actor: testActor, entries: entries(3, 'a') });
      await a.store.close();
      const b = await openLedger(location);
      const c = await openLedger(location); // a second writer with its own connection and tree cache
      try {
        for (let round = 0; round < 6; round += 1) {
          await Promise.all([b.ledger.append({ actor: testActor, entries: entries(1 + round, `b${round}`) }), c.ledger.append({ actor: testActor, entries: entries(2, `c${round}`) })]);
        }
        const size = await b.ledger.size();
        assert.equal(size, 3 + 21 + 12);
        const cp = await c.ledger.checkpoints.signIfGrown();
        const all = await b.ledger.entries(0, size);
        assert.deepEqual(Buffer.from(verifyCheckpoint(cp!.note, b.ledger.signer.verifierKey).rootHash), Buffer.from(rootFromLeafHashes(all.map((e) => leafHash(e.leaf)))));
        await checkAllProofs(b.ledger, [cp!.size]);
      } finally {
        await b.store.close();
        await c.store.close();
      }
    });

    it('property: any two checkpoints it signs are consistent, and proofs verify', async () => {
      const location = storeCase.fresh();
      const { store, ledger } = await openLedger(location);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }), async (batches) => {
            for (const n of batches) {
              await ledger.append({ actor: testActor, entries: entries(n) });
              await ledger.checkpoints.signIfGrown();
            }
            const rows = await store.db.selectFrom('log_checkpoints').select(['size', 'note']).orderBy('size').execute();
            const cps = rows.map((r) => verifyCheckpoint(r.note, ledger.signer.verifierKey));
            for (let i = 0; i < cps.length; i += 1) {
              for (let j = i; j < cps.length; j += Math.max(1, Math.floor(cps.length / 4))) {
                const proof = await ledger.consistencyProof(cps[i]!.size, cps[j]!.size);
                verifyConsistency(cps[i]!.size, cps[j]!.size, proof.hashes, cps[i]!.rootHash, cps[j]!.rootHash);
              }
            }
            const last = cps[cps.length - 1]!;
            const index = Math.floor(Math.random() * last.size);
            const p = await ledger.inclusionProof(index, last.size);
            verifyInclusion(index, last.size, p.leafHash, p.hashes, last.rootHash);
          }),
          { numRuns: 12 },
        );
      } finally {
        await store.close();
      }
    });
  });
}
