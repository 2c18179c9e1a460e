import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CairnError } from '../../src/errors/catalog.js';
import { Store } from '../../src/store/store.js';
import { storeFailure, StoreUnavailableError } from '../../src/store/unavailable.js';
import { cleanupStores, PG_URL, storeCases, tempDir } from '../helpers/stores.js';

after(cleanupStores);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('storeFailure on SQLite errors', () => {
  const file = path.join(tempDir(), 'classify.db');
  const a = new SqliteDatabase(file);
  a.pragma('journal_mode = WAL');
  a.exec('create table t (x blob)');
  after(() => a.close());

  test('another connection holding the write lock (SQLITE_BUSY) is 503 unavailable', () => {
    const b = new SqliteDatabase(file);
    b.pragma('busy_timeout = 0');
    a.exec('begin immediate');
    try {
      const err = thrown(() => b.exec('begin immediate'));
      assert.equal((err as { code: string }).code, 'SQLITE_BUSY');
      const failure = storeFailure(err);
      assert.ok(failure instanceof StoreUnavailableError);
      assert.equal(failure.code, 'unavailable');
      assert.equal(failure.status, 503);
    } finally {
      a.exec('rollback');
      b.close();
    }
  });

  test('a database that cannot grow (SQLITE_FULL) is 507 store_full', () => {
    const c = new SqliteDatabase(path.join(tempDir(), 'full.db'));
    c.exec('create table t (x blob)');
    c.pragma('max_page_count = 8');
    const err = thrown(() => c.prepare('insert into t values (?)').run(Buffer.alloc(64 * 1024)));
    c.close();
    assert.equal((err as { code: string }).code, 'SQLITE_FULL');
    assert.equal(storeFailure(err)?.code, 'store_full');
    assert.equal(storeFailure(err)?.status, 507);
  });

  test('a constraint violation or a syntax error is not a store failure', () => {
    a.exec('create table if not exists u (k text primary key)');
    a.exec("insert or ignore into u values ('k')");
    assert.equal(storeFailure(thrown(() => a.exec("insert into u values ('k')"))), undefined);
    assert.equal(storeFailure(thrown(() => a.exec('selec 1'))), undefined);
  });
});

describe('storeFailure on any error', () => {
  test('walks the cause chain, and keeps a StoreUnavailableError as it is', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    assert.equal(storeFailure(new Error('migration failed', { cause: busy }))?.code, 'unavailable');
    const unknown = new StoreUnavailableError('unavailable', 'lost during COMMIT', { details: { commitOutcome: 'unknown' } });
    assert.equal(storeFailure(unknown, 'nothing was written'), unknown);
    assert.equal(storeFailure(new CairnError('forbidden', 'no')), undefined);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(storeFailure(new CairnError('unavailable', 'the identity provider cannot be reached', { cause: refused })), undefined, 'not the store');
    assert.equal(storeFailure(new TypeError('x is undefined')), undefined);
    assert.equal(storeFailure('a string'), undefined);
    assert.equal(storeFailure(null), undefined);
  });
});

if (PG_URL) {
  describe('storeFailure on PostgreSQL errors', () => {
    test('a database nobody listens for is unavailable, from the store as from a bare client', async () => {
      const closed = net.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const url = new URL(PG_URL!);
      url.port = String(port);
      const client = new pg.Client({ connectionString: url.toString() });
      const bare = await rejected(client.connect());
      assert.equal((bare as { code: string }).code, 'ECONNREFUSED');
      assert.equal(storeFailure(bare)?.code, 'unavailable');
      const fromStore = await rejected(Store.open({ databaseUrl: url.toString(), dataDir: tempDir(), connectTimeoutMs: 2000 }));
      assert.equal(storeFailure(fromStore)?.code, 'unavailable', String(fromStore));
    });

    test('a terminated backend is unavailable; the pool drops it, reports it once and the next query succeeds', async () => {
      const location = storeCases.find((c) => c.name === 'postgres')!.fresh();
      const applicationName = `cairn_classify_${process.pid}_${Date.now()}`;
      const url = new URL(PG_URL!);
      url.searchParams.set('application_name', applicationName);
      const store = await Store.open({ databaseUrl: url.toString(), dataDir: location.dataDir, schema: location.schema });
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await store.db.selectFrom('log_head').select('size').execute();
        const res = await admin.query('select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1', [applicationName]);
        assert.ok(res.rows.length > 0, 'the store holds no idle connection to terminate');
        for (let i = 0; i < 100 && store.connectionErrors < res.rows.length; i += 1) await sleep(20);
        await sleep(100); // a second report of one connection (its socket closing) would arrive now
        assert.equal(store.connectionErrors, res.rows.length, 'each dropped connection is reported once');
        // The idle client was discarded: the next query runs on a new connection.
        const rows = await store.db.selectFrom('log_head').select('size').execute();
        assert.equal(rows.length, 1);

        // A terminated backend seen by a query in flight is classified as unavailable too.
        const victim = new pg.Client({ connectionString: PG_URL, application_name: `${applicationName}_bare` });
        victim.on('error', () => undefined);
        await victim.connect();
        const pid = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        // Its rejection is awaited from the start: it may arrive before the terminating query returns.
        const running = rejected(victim.query('select pg_sleep(5)'));
        await sleep(100);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        const err = await running;
        assert.equal((err as { code?: string }).code, '57P01');
        assert.equal(storeFailure(err)?.code, 'unavailable');
        assert.equal(storeFailure(await rejected(victim.query('select 1')))?.code, 'unavailable'); // "not queryable"
        await victim.end().catch(() => undefined);
      } finally {
        await admin.end();
        await store.close();
      }
    });

    test('a query error is not a store failure', async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        assert.equal(storeFailure(await rejected(client.query('select * from no_such_table_here'))), undefined);
        assert.equal(storeFailure(await rejected(client.query('selec 1'))), undefined);
        assert.equal(storeFailure(await rejected(client.query('select 1/0'))), undefined);
      } finally {
        await client.end();
      }
    });
  });
}
