import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Store } from '../../src/store/store.js';

/**
 * The stores every store-level suite runs against: the embedded SQLite store, and PostgreSQL
 * when CAIRN_TEST_DATABASE_URL is set (CI always sets it; `.ci/run` fails if it cannot).
 * Each opened store is isolated: its own temp directory, its own PostgreSQL schema.
 */
export interface StoreCase {
  readonly name: 'sqlite' | 'postgres';
  /** Options to open a fresh, empty store (and its data directory for keys). */
  fresh(): StoreLocation;
}

export interface StoreLocation {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly schema?: string | undefined;
  open(): Promise<Store>;
}

export const PG_URL = process.env['CAIRN_TEST_DATABASE_URL'];

export function tempDir(prefix = 'cairn-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const created: { dirs: string[]; schemas: string[] } = { dirs: [], schemas: [] };

export const storeCases: StoreCase[] = [
  {
    name: 'sqlite',
    fresh() {
      const dataDir = tempDir();
      created.dirs.push(dataDir);
      return { dataDir, open: () => Store.open({ dataDir }) };
    },
  },
  ...(PG_URL
    ? [
        {
          name: 'postgres' as const,
          fresh(): StoreLocation {
            const dataDir = tempDir();
            const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
            created.dirs.push(dataDir);
            created.schemas.push(schema);
            return { dataDir, databaseUrl: PG_URL, schema, open: () => Store.open({ dataDir, databaseUrl: PG_URL, schema }) };
          },
        },
      ]
    : []),
];

/** Drops the schemas and directories this process created. Call from an `after` hook. */
export async function cleanupStores(): Promise<void> {
  for (const dir of created.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  const schemas = created.schemas.splice(0);
  if (PG_URL && schemas.length > 0) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
    } finally {
      await client.end();
    }
  }
}
