import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** PostgreSQL for the suites that need it; CI always sets it. */
export const PG_URL = process.env['CAIRN_TEST_DATABASE_URL'];

/**
 * Temporary directories and PostgreSQL schemas a test file creates, removed by `cleanup()` in
 * an `after` hook, so each file is isolated and leaves nothing behind.
 */
export class Scratch {
  readonly #dirs: string[] = [];
  readonly #schemas: string[] = [];

  dir(prefix = 'cairn-cli-test-'): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  /** A fresh schema name; `cairn serve --database-schema` creates it. */
  schema(): string {
    const name = `t_${crypto.randomBytes(6).toString('hex')}`;
    this.#schemas.push(name);
    return name;
  }

  async cleanup(): Promise<void> {
    for (const dir of this.#dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    const schemas = this.#schemas.splice(0);
    if (!PG_URL || schemas.length === 0) return;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
    } finally {
      await client.end();
    }
  }
}
