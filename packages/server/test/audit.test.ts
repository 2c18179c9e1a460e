import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { auditStore } from '../src/ledger/audit.js';
import type { Store } from '../src/store/store.js';
import { entries, openLedger, testActor } from './helpers/ledger.js';
import { cleanupStores, storeCases } from './helpers/stores.js';

after(cleanupStores);

const SIZE = 45;

/** A log of SIZE entries with checkpoints at several sizes; returns the open store. */
async function buildLog(storeCase: (typeof storeCases)[number]): Promise<Store> {
  const { store, ledger } = await openLedger(storeCase.fresh());
  // Distinct entries: two identical leaves could be swapped without changing anything at all.
  for (const [k, n] of [7, 9, 16, 13].entries()) {
    await ledger.append({ actor: testActor, entries: entries(n, `batch${k}`) });
    await ledger.checkpoints.signIfGrown();
  }
  return store;
}

type Tamper = (store: Store, i: number) => Promise<void>;

const flip = (bytes: Uint8Array, at: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[at % copy.length]! ^= 0x01;
  return copy;
};

const row = async (store: Store, i: number) =>
  store.db.selectFrom('log_entries').selectAll().where('idx', '=', i).executeTakeFirstOrThrow();

/** Each way a row can be changed, deleted, inserted or reordered, and the check that must catch it. */
const TAMPERS: Record<string, Tamper> = {
  'flip a leaf byte': async (store, i) => {
    const r = await row(store, i);
    await store.db.updateTable('log_entries').set({ leaf: flip(r.leaf, i * 7 + 3) }).where('idx', '=', i).execute();
  },
  'rewrite a leaf and its leaf hash consistently': async (store, i) => {
    const r = await row(store, i);
    const entry = JSON.parse(Buffer.from(r.leaf).toString('utf8'));
    entry.body = { forged: true };
    const { canonicalBytes, leafHash } = await import('@cairn/verify');
    const leaf = canonicalBytes(entry);
    const hashes = Buffer.from(r.hashes);
    Buffer.from(leafHash(leaf)).copy(hashes, 0);
    await store.db.updateTable('log_entries').set({ leaf, hashes }).where('idx', '=', i).execute();
  },
  'flip a stored node hash': async (store, i) => {
    const r = await row(store, i);
    await store.db.updateTable('log_entries').set({ hashes: flip(r.hashes, r.hashes.length - 1) }).where('idx', '=', i).execute();
  },
  'delete a row': async (store, i) => {
    await store.db.deleteFrom('log_entries').where('idx', '=', i).execute();
  },
  'insert a row (shifting the rest)': async (store, i) => {
    await sql`update log_entries set idx = idx + 1000000 where idx >= ${i}`.execute(store.db);
    await sql`update log_entries set idx = idx - 1000000 + 1 where idx >= 1000000`.execute(store.db);
    const src = await row(store, i + 1);
    await store.db.insertInto('log_entries').values({ ...src, idx: i }).execute();
    await store.db.updateTable('log_head').set({ size: SIZE + 1 }).where('id', '=', 1).execute();
  },
  'swap two rows': async (store, i) => {
    const j = (i + 1 + (i % 5)) % SIZE === i ? (i + 1) % SIZE : (i + 1 + (i % 5)) % SIZE;
    const a = await row(store, i);
    const b = await row(store, j);
    await store.db.updateTable('log_entries').set({ leaf: b.leaf, hashes: b.hashes, kind: b.kind, subject: b.subject, time: b.time }).where('idx', '=', i).execute();
    await store.db.updateTable('log_entries').set({ leaf: a.leaf, hashes: a.hashes, kind: a.kind, subject: a.subject, time: a.time }).where('idx', '=', j).execute();
  },
  'change the kind column': async (store, i) => {
    await store.db.updateTable('log_entries').set({ kind: 'custom.other' }).where('idx', '=', i).execute();
  },
  'append an unsigned row behind the head': async (store) => {
    const src = await row(store, SIZE - 1);
    await store.db.insertInto('log_entries').values({ ...src, idx: SIZE }).execute();
  },
  'alter a checkpoint signature': async (store, i) => {
    const cps = await store.db.selectFrom('log_checkpoints').selectAll().orderBy('size').execute();
    const cp = cps[i % cps.length]!;
    const note = cp.note.replace(/ (\S)(\S*)\n$/, (_m, c: string, rest: string) => ` ${c === 'A' ? 'B' : 'A'}${rest}\n`);
    await store.db.updateTable('log_checkpoints').set({ note }).where('size', '=', cp.size).execute();
  },
  'move the head back': async (store) => {
    await store.db.updateTable('log_head').set({ size: SIZE - 1 }).where('id', '=', 1).execute();
  },
};

for (const storeCase of storeCases) {
  describe(`offline audit on ${storeCase.name}`, () => {
    it('passes an untouched log and reports what it checked', async () => {
      const store = await buildLog(storeCase);
      try {
        const report = await auditStore(store);
        assert.equal(report.ok, true, JSON.stringify(report.problem));
        assert.equal(report.entriesChecked, SIZE);
        assert.equal(report.checkpointsChecked, 4);
        assert.equal(report.latestCheckpoint?.size, SIZE);
      } finally {
        await store.close();
      }
    });

    it('refuses a store whose pinned key is not the expected one', async () => {
      const store = await buildLog(storeCase);
      try {
        const other = 'test.cairn.example/log+00000000+AQ' + 'A'.repeat(42) + '=';
        const report = await auditStore(store, { verifierKey: other });
        assert.equal(report.ok, false);
        assert.equal(report.problem?.check, 'key');
      } finally {
        await store.close();
      }
    });

    for (const [name, tamper] of Object.entries(TAMPERS)) {
      it(`catches: ${name}`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: SIZE - 2 }), async (i) => {
            const store = await buildLog(storeCase);
            try {
              await tamper(store, i);
              const report = await auditStore(store);
              assert.equal(report.ok, false, `tampering (${name}) at ${i} went unnoticed`);
              assert.ok(report.problem && report.problem.message.length > 0);
            } finally {
              await store.close();
            }
          }),
          { numRuns: 3 },
        );
      });
    }
  });
}
