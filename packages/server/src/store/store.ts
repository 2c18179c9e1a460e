import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { migrations } from './migrations.js';
import { markConnectFailure, storeFailure, StoreUnavailableError } from './unavailable.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** A read-only open found no Cairn store where it was pointed. */
export class StoreNotFoundError extends Error {
  override readonly name = 'StoreNotFoundError';
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise the embedded SQLite file under `dataDir`. */
  readonly databaseUrl?: string | undefined;
  /** Directory of the embedded store (and of keys). Required for SQLite. */
  readonly dataDir?: string | undefined;
  /** PostgreSQL schema to use (created if missing). Lets several logs share one database. */
  readonly schema?: string | undefined;
  /** Connections in the PostgreSQL pool. */
  readonly poolSize?: number | undefined;
  /**
   * How long a request waits for a PostgreSQL connection (a free pool slot or a new connection)
   * before it is answered 503 `unavailable`. Default 5 s.
   */
  readonly connectTimeoutMs?: number | undefined;
  /** How long a write waits for the embedded store's write lock held by another process. Default 5 s. */
  readonly busyWaitMs?: number | undefined;
  /**
   * Open an existing store for reading only (audits): nothing is created or migrated, and a
   * missing store is an error rather than a new empty one.
   */
  readonly readOnly?: boolean | undefined;
}

/** The SQL store: one Kysely query layer over either SQLite (embedded) or PostgreSQL. */
export class Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly description: string;
  /** PostgreSQL schema the store lives in, if not the default search path. */
  readonly schema: string | undefined;
  /** Connections the PostgreSQL pool lost while holding them or while they were idle. */
  connectionErrors = 0;
  readonly #connectionListeners: ((err: Error) => void)[] = [];
  #busyWaitMs = DEFAULT_BUSY_WAIT_MS;

  constructor(db: Kysely<Database>, dialect: StoreDialect, description: string, schema?: string) {
    this.db = db;
    this.dialect = dialect;
    this.description = description;
    this.schema = schema;
  }

  /**
   * Called for every connection the database dropped (restart, failover, `pg_terminate_backend`,
   * an idle timeout): the pool has discarded it already and connects anew on next use.
   */
  onConnectionError(listener: (err: Error) => void): void {
    this.#connectionListeners.push(listener);
  }

  /** @internal the pool's error events; never throws (an unhandled 'error' would end the process). */
  connectionLost(err: Error): void {
    this.connectionErrors += 1;
    for (const listener of this.#connectionListeners) {
      try {
        listener(err);
      } catch {
        // a listener's failure must not turn a dropped connection into a crash
      }
    }
  }

  /** Whether the store answers a trivial query now. */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  /** Opens (and migrates) the store that the options select. */
  static async open(options: StoreOptions): Promise<Store> {
    const store = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : openSqlite(options);
    if (options.busyWaitMs !== undefined) store.#busyWaitMs = options.busyWaitMs;
    try {
      if (options.readOnly) await store.#requireSchema();
      else await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async #requireSchema(): Promise<void> {
    try {
      await this.db.selectFrom('log_head').select('size').execute();
    } catch (err) {
      throw new StoreNotFoundError(`${this.description} is not a Cairn store (no ledger tables)`, { cause: err });
    }
  }

  /**
   * Applies pending migrations, each in its own transaction, recorded in `cairn_migrations`.
   * Processes starting together take turns (PostgreSQL advisory lock per schema; SQLite's write
   * lock). Our own runner rather than Kysely's Migrator: its catalogue introspection fails when
   * another schema in the database is dropped at the same moment.
   */
  async migrate(): Promise<void> {
    const all = await migrations(this.dialect).getMigrations();
    await this.db.connection().execute(async (conn) => {
      const pg = this.dialect === 'postgres';
      if (pg) await sql`select pg_advisory_lock(hashtext('cairn-migrations:' || current_schema()))`.execute(conn);
      try {
        await sql`create table if not exists cairn_migrations (name text primary key, applied_at text not null)`.execute(conn);
        await adoptKyselyMigrations(conn, pg);
        const applied = new Set((await sql<{ name: string }>`select name from cairn_migrations`.execute(conn)).rows.map((r) => r.name));
        for (const name of Object.keys(all).sort()) {
          if (applied.has(name)) continue;
          if (pg) await sql.raw('begin').execute(conn);
          else await this.#beginImmediateHolding(conn);
          try {
            const done = await sql<{ name: string }>`select name from cairn_migrations where name = ${name}`.execute(conn);
            if (done.rows.length === 0) {
              await all[name]!.up(conn as unknown as Kysely<unknown>);
              await sql`insert into cairn_migrations (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(conn);
            }
            await sql.raw('commit').execute(conn);
          } catch (err) {
            await sql.raw('rollback').execute(conn).catch(() => undefined);
            throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
          }
        }
      } finally {
        if (pg) await sql`select pg_advisory_unlock(hashtext('cairn-migrations:' || current_schema()))`.execute(conn);
      }
    });
  }

  /**
   * Runs `fn` in one write transaction on one connection. SQLite takes the write lock at BEGIN
   * (IMMEDIATE), so a read-then-write never fails half-way with SQLITE_BUSY; PostgreSQL callers
   * take the row locks they need (the ledger locks `log_head`).
   *
   * A lost connection during COMMIT leaves the outcome unknown (the server may have committed
   * before the connection dropped): that failure says so (`details.commitOutcome: 'unknown'`),
   * so that no caller reports it as "nothing was written".
   */
  async writeTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#busyWaitMs;
    for (let wait = 10; ; wait = Math.min(wait * 2, 250)) {
      const outcome = await this.db.connection().execute(async (conn) => {
        if (this.dialect === 'postgres') await sql.raw('begin').execute(conn);
        else if (!(await tryBeginImmediate(conn, Date.now() + wait < deadline))) return BUSY;
        let result: T;
        try {
          result = await fn(conn);
        } catch (err) {
          await sql.raw('rollback').execute(conn).catch(() => undefined);
          throw err;
        }
        try {
          await sql.raw('commit').execute(conn);
        } catch (err) {
          // SQLite keeps the transaction open after a failed COMMIT: end it, or the connection is stuck.
          await sql.raw('rollback').execute(conn).catch(() => undefined);
          throw this.#commitFailure(err);
        }
        return { result };
      });
      if (outcome !== BUSY) return outcome.result;
      // Another process holds the embedded store's write lock: wait without holding our one
      // connection (reads go on) and without blocking the event loop (busy_timeout would).
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  #commitFailure(err: unknown): unknown {
    const failure = storeFailure(err);
    // SQLite's COMMIT is atomic: BUSY or FULL means nothing was committed; an I/O error may not.
    const unknown = failure?.code === 'unavailable' && (this.dialect === 'postgres' || /SQLITE_IOERR/.test(String((err as { code?: unknown }).code)));
    if (!unknown) return err;
    return new StoreUnavailableError('unavailable', 'the connection to the store was lost during COMMIT: the request may or may not have been written; a retry may write it twice', {
      details: { commitOutcome: 'unknown' },
      cause: err,
    });
  }

  /** BEGIN IMMEDIATE at start-up (migrations), waiting for another process's write lock. */
  async #beginImmediateHolding(conn: Kysely<Database>): Promise<void> {
    const deadline = Date.now() + Math.max(this.#busyWaitMs, 30_000);
    for (let wait = 10; !(await tryBeginImmediate(conn, Date.now() + wait < deadline)); wait = Math.min(wait * 2, 250)) {
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * Locks the rows a read-then-write checks, so concurrent writers are serialised: `FOR UPDATE` on
   * PostgreSQL; on SQLite the write transaction (BEGIN IMMEDIATE) already excludes other writers.
   */
  forUpdate<Q extends { forUpdate(): Q }>(query: Q): Q {
    return this.dialect === 'postgres' ? query.forUpdate() : query;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

const DEFAULT_BUSY_WAIT_MS = 5_000;
/**
 * better-sqlite3 is synchronous: SQLite's busy handler would stall the whole event loop while
 * another process holds the lock. Keep it short and wait for write locks in `writeTransaction`.
 */
const SQLITE_BUSY_TIMEOUT_MS = 50;
const BUSY = Symbol('busy');

/** BEGIN IMMEDIATE; false if another process holds the write lock and `mayWait` (else its SQLITE_BUSY is thrown). */
async function tryBeginImmediate(conn: Kysely<Database>, mayWait: boolean): Promise<boolean> {
  try {
    await sql.raw('begin immediate').execute(conn);
    return true;
  } catch (err) {
    if (mayWait && /^SQLITE_BUSY/.test(String((err as { code?: unknown }).code))) return false;
    throw err;
  }
}

function openSqlite(options: StoreOptions): Store {
  if (!options.dataDir) throw new Error('the embedded store needs a data directory');
  const file = path.join(options.dataDir, 'cairn.db');
  if (options.readOnly) {
    if (!fs.existsSync(file)) throw new StoreNotFoundError(`no Cairn store at ${options.dataDir} (${file} does not exist)`);
    const database = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
    database.pragma('busy_timeout = 10000');
    return new Store(new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), 'sqlite', `sqlite:${file}`);
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // Created 0600 whatever the umask (SQLite would use 0644); SQLite's unix VFS gives the -wal and
  // -shm files the database file's mode (os_unix.c, findCreateFileMode), so they are 0600 too.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const database = new SqliteDatabase(file);
  // WAL with synchronous=FULL: a committed transaction is on disk before COMMIT returns, so an
  // acknowledged entry survives power loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return new Store(db, 'sqlite', `sqlite:${file}`);
}

/**
 * Stores created before our own runner recorded their migrations in Kysely's `kysely_migration`
 * table: take those names over once, so an upgrade does not try to create existing tables.
 */
async function adoptKyselyMigrations(conn: Kysely<Database>, pg: boolean): Promise<void> {
  const exists = pg
    ? await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = 'kysely_migration'`.execute(conn)
    : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(conn);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return;
  await sql`insert into cairn_migrations (name, applied_at) select name, timestamp from kysely_migration where name not in (select name from cairn_migrations)`.execute(conn);
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs as much as running a small
 * statement. Cache prepared statements by SQL text (Kysely only ever runs them to completion,
 * never two at once on one connection, so reuse is safe).
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return new Proxy(database, {
    get(target, property) {
      if (property === 'prepare') {
        return (source: string) => {
          let statement = cache.get(source);
          if (!statement) {
            statement = target.prepare(source);
            if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** pg returns int8 as a string; every integer we store fits a double, and we check that it does. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  }
  if (schema && !options.readOnly) {
    const setup = new pg.Client({ connectionString: url, application_name: 'cairn' });
    setup.on('error', () => undefined); // dropped while creating the schema: the query below fails instead
    await setup.connect();
    try {
      await setup.query(`create schema if not exists ${schema}`).catch((err: { code?: string }) => {
        // Two processes creating it at once: the loser sees a unique violation; the schema exists.
        if (err.code !== '23505' && err.code !== '42P06') throw err;
      });
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    // A URL's own ?application_name= wins: operators (and tests) find their connections by it.
    application_name: 'cairn',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    keepAlive: true, // notice a peer that vanished without a reset (failover, a firewall's idle cut)
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const store = new Store(
    new Kysely<Database>({
      dialect: new PostgresDialect({
        // Whatever fails while a connection is being had (refused, timed out, a database closed to
        // new connections) means the store is unreachable for this request.
        pool: {
          connect: () => pool.connect().catch((err: unknown) => Promise.reject(markConnectFailure(err))),
          end: () => pool.end(),
        },
      }),
    }),
    'postgres',
    `postgres:${redactUrl(url)}${schema ? `#${schema}` : ''}`,
    schema,
  );
  // Without these listeners a connection the server drops (restart, failover, pg_terminate_backend)
  // is an unhandled 'error' event that ends the process. The pool discards the client either way:
  // an idle one at once, a checked-out one when released (it is no longer queryable).
  const lost = new WeakSet<pg.PoolClient>();
  pool.on('error', () => undefined); // reported once per client below
  pool.on('connect', (client) =>
    client.on('error', (err) => {
      if (lost.has(client)) return; // a dropped connection reports twice: the server's message, then the socket's end
      lost.add(client);
      store.connectionLost(err);
    }),
  );
  return store;
}

/** Never print credentials: keep scheme, host and database only. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '//<unparseable url>';
  }
}
