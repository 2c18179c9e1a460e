import crypto from 'node:crypto';
import pg from 'pg';
import { PG_URL } from './scratch.js';

/**
 * A PostgreSQL database of a test's own, so that it can be closed to new connections and have
 * its backends terminated without touching anyone else's (other suites share `test`). Cairn
 * connects to it with a unique `application_name`, which is how its backends are found.
 */
export class DedicatedDatabase {
  readonly name = `cairn_resilience_${crypto.randomBytes(5).toString('hex')}`;
  readonly applicationName = `cairn_res_${crypto.randomBytes(5).toString('hex')}`;
  readonly #admin: pg.Client;

  private constructor(admin: pg.Client) {
    this.#admin = admin;
  }

  static async create(): Promise<DedicatedDatabase> {
    if (!PG_URL) throw new Error('CAIRN_TEST_DATABASE_URL must point at a PostgreSQL database for this suite');
    const admin = new pg.Client({ connectionString: PG_URL, application_name: 'cairn_resilience_admin' });
    await admin.connect();
    const db = new DedicatedDatabase(admin);
    await admin.query(`create database ${db.name}`);
    return db;
  }

  /** The URL Cairn is given: this database, with the test's application_name. */
  get url(): string {
    const url = new URL(PG_URL!);
    url.pathname = `/${this.name}`;
    url.searchParams.set('application_name', this.applicationName);
    return url.toString();
  }

  /** What a PostgreSQL restart or failover does to Cairn: its connections are cut. Returns how many. */
  async terminateCairnBackends(): Promise<number> {
    const res = await this.#admin.query('select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1 and datname = $2', [this.applicationName, this.name]);
    return res.rows.filter((r: { done: boolean }) => r.done).length;
  }

  /** Refuses new connections to this database and cuts the ones it has. */
  async close(): Promise<void> {
    await this.#admin.query(`alter database ${this.name} allow_connections false`);
    await this.#admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [this.name]);
  }

  async reopen(): Promise<void> {
    await this.#admin.query(`alter database ${this.name} allow_connections true`);
  }

  async drop(): Promise<void> {
    try {
      await this.#admin.query(`drop database if exists ${this.name} with (force)`);
    } finally {
      await this.#admin.end();
    }
  }
}
