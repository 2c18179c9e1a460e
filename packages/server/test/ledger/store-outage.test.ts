import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { auditStore } from '../../src/ledger/audit.js';
import type { CheckpointLog } from '../../src/ledger/checkpointer.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { openLogIdentity } from '../../src/keys/log-identity.js';
import { Store } from '../../src/store/store.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { CuttableProxy } from '../helpers/cuttable-proxy.js';
import { entries, testActor } from '../helpers/ledger.js';
import { cleanupStores, PG_URL, storeCases, type StoreLocation } from '../helpers/stores.js';

after(cleanupStores);

/** A store that can be made unreachable: SQLite by another process's write lock, PostgreSQL by cutting the network. */
interface Outage {
  readonly store: Store;
  begin(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: the next COMMIT reaches the database, its reply never reaches Cairn. */
  readonly proxy?: CuttableProxy;
}

async function outageFor(name: 'sqlite' | 'postgres', location: StoreLocation): Promise<Outage> {
  if (name === 'sqlite') {
    const store = await Store.open({ dataDir: location.dataDir, busyWaitMs: 300 });
    const other = new SqliteDatabase(path.join(location.dataDir, 'cairn.db'));
    return {
      store,
      begin: async () => void other.exec('begin immediate'),
      end: async () => void other.exec('rollback'),
      close: async () => {
        other.close();
        await store.close();
      },
    };
  }
  const proxy = new CuttableProxy(PG_URL!);
  await proxy.start();
  const store = await Store.open({ databaseUrl: proxy.urlThrough(PG_URL!), schema: location.schema, dataDir: location.dataDir, connectTimeoutMs: 1000 });
  return {
    store,
    proxy,
    begin: () => proxy.cut(),
    end: () => proxy.restore(),
    close: async () => {
      await store.close();
      await proxy.close();
    },
  };
}

async function ledgerOn(outage: Outage, location: StoreLocation): Promise<Ledger> {
  const { signer } = await openLogIdentity(outage.store, { keyFile: path.join(location.dataDir, 'keys', 'log.pem'), dataDir: location.dataDir, origin: 'test.cairn.example/log' });
  return new Ledger(outage.store, signer);
}

class RecordingLog implements CheckpointLog {
  readonly lines: { level: string; msg: string }[] = [];
  info(_obj: object, msg: string): void {
    this.lines.push({ level: 'info', msg });
  }
  warn(_obj: object, msg: string): void {
    this.lines.push({ level: 'warn', msg });
  }
  error(_obj: object, msg: string): void {
    this.lines.push({ level: 'error', msg });
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await condition()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting until ${what}`);
}

for (const c of storeCases) {
  describe(`the ledger while the store is unreachable (${c.name})`, () => {
    test('an append is refused as unavailable, nothing of it is written, and the next one follows the stored tree', async () => {
      const location = c.fresh();
      const outage = await outageFor(c.name, location);
      try {
        const ledger = await ledgerOn(outage, location);
        await ledger.append({ actor: testActor, entries: entries(3, 'before') });
        await outage.begin();
        const refused = await ledger.append({ actor: testActor, entries: entries(2, 'during') }).then(
          () => assert.fail('the append succeeded during the outage'),
          (err: unknown) => err,
        );
        assert.ok(refused instanceof StoreUnavailableError, String(refused));
        assert.equal(refused.code, 'unavailable');
        await outage.end();
        const next = await ledger.append({ actor: testActor, entries: entries(1, 'after') });
        assert.equal(next.entries[0]!.index, 3, 'the refused entries took indices');
        const report = await auditStore(outage.store);
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.treeSize, 4);
      } finally {
        await outage.close();
      }
    });

    test('the periodic checkpointer pauses, says so once, and resumes by itself', async () => {
      const location = c.fresh();
      const outage = await outageFor(c.name, location);
      const ledger = await ledgerOn(outage, location);
      try {
        await ledger.append({ actor: testActor, entries: entries(3) });
        await outage.begin();
        const log = new RecordingLog();
        ledger.checkpoints.start(20, log);
        await until(() => ledger.checkpoints.paused, 'the checkpointer pauses');
        await sleep(500); // some 25 more ticks against the unreachable store
        assert.deepEqual(log.lines, [{ level: 'warn', msg: 'store unavailable: checkpoint signing paused until it returns' }]);
        await outage.end();
        await until(async () => !ledger.checkpoints.paused && (await ledger.checkpoints.latest())?.size === 3, 'a checkpoint of size 3 is signed');
        assert.deepEqual(
          log.lines.map((l) => l.level),
          ['warn', 'info'],
        );
      } finally {
        ledger.checkpoints.stop();
        await outage.close();
      }
    });
  });
}

describe('a batch whose transaction fails half-way (sqlite)', () => {
  test('a request that fills the disk inside the transaction fails its whole batch: nothing of any request is written', async () => {
    const location = storeCases.find((s) => s.name === 'sqlite')!.fresh();
    const outage = await outageFor('sqlite', location);
    try {
      const ledger = await ledgerOn(outage, location);
      await ledger.append({ actor: testActor, entries: entries(1, 'before') });
      const size = await ledger.size();
      const pages = (await sql<{ page_count: number }>`pragma page_count`.execute(outage.store.db)).rows[0]!.page_count;
      await sql.raw(`pragma max_page_count = ${pages + 2}`).execute(outage.store.db);
      // Three requests queued together share one transaction; the second's projection cannot fit.
      const settled = await Promise.allSettled([
        ledger.append({ actor: testActor, entries: entries(1, 'a') }),
        ledger.append({
          actor: testActor,
          entries: entries(1, 'b'),
          apply: async (trx) => void (await trx.insertInto('cairn_meta').values({ key: 'filler', value: 'x'.repeat(200_000) }).execute()),
        }),
        ledger.append({ actor: testActor, entries: entries(1, 'c') }),
      ]);
      await sql.raw('pragma max_page_count = 1073741823').execute(outage.store.db);
      for (const s of settled) {
        assert.equal(s.status, 'rejected', 'a request of the failed batch was acknowledged');
        assert.ok(s.reason instanceof StoreUnavailableError, String(s.reason));
        assert.equal(s.reason.code, 'store_full');
      }
      assert.equal(await ledger.size(), size, 'entries of the failed batch were written');
      assert.equal(await outage.store.db.selectFrom('cairn_meta').select('key').where('key', '=', 'filler').executeTakeFirst(), undefined, 'a projection of the failed batch was written');
      const next = await ledger.append({ actor: testActor, entries: entries(1, 'after') });
      assert.equal(next.entries[0]!.index, size);
      assert.equal((await auditStore(outage.store)).ok, true);
    } finally {
      await outage.close();
    }
  });
});

if (PG_URL) {
  describe('a COMMIT whose reply is lost (postgres)', () => {
    test('is answered unavailable with an unknown outcome, never acknowledged; the next append follows what was committed', async () => {
      const location = storeCases.find((s) => s.name === 'postgres')!.fresh();
      const outage = await outageFor('postgres', location);
      try {
        const ledger = await ledgerOn(outage, location);
        await ledger.append({ actor: testActor, entries: entries(2, 'before') });
        outage.proxy!.loseNextCommitReply();
        const lost = await ledger.append({ actor: testActor, entries: entries(3, 'lost') }).then(
          () => assert.fail('an append whose COMMIT reply was lost was acknowledged'),
          (err: unknown) => err,
        );
        assert.ok(lost instanceof StoreUnavailableError, String(lost));
        assert.equal(lost.code, 'unavailable');
        assert.deepEqual(lost.details, { commitOutcome: 'unknown' });
        // The database did commit: the in-memory right edge is stale and must be rebuilt from the store.
        const next = await ledger.append({ actor: testActor, entries: entries(1, 'after') });
        assert.equal(next.entries[0]!.index, 5);
        const stored = await ledger.entries(0, 10);
        assert.deepEqual(
          stored.map((e) => e.entry.subject),
          ['before:0', 'before:1', 'lost:0', 'lost:1', 'lost:2', 'after:0'],
        );
        const report = await auditStore(outage.store);
        assert.equal(report.ok, true, JSON.stringify(report));
      } finally {
        await outage.close();
      }
    });
  });
}
