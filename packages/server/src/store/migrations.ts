import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from './store.js';

/**
 * The one set of migrations for both stores. Types are spelled per dialect where the two differ
 * (binary and 64-bit integers); everything else is common SQL.
 */
export function migrations(dialect: StoreDialect): MigrationProvider {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  const int64 = dialect === 'postgres' ? 'bigint' : 'integer';
  const all: Record<string, Migration> = {
    '0001_ledger': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('cairn_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('size', int64, (c) => c.notNull())
          .addColumn('last_time', 'text', (c) => c.notNull())
          .execute();
        await sql`insert into log_head (id, size, last_time) values (1, 0, '')`.execute(db);
        await db.schema
          .createTable('log_entries')
          .addColumn('idx', int64, (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('leaf', bytes, (c) => c.notNull())
          .addColumn('hashes', bytes, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_checkpoints')
          .addColumn('size', int64, (c) => c.primaryKey())
          .addColumn('root_hash', bytes, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('signed_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', bytes, (c) => c.notNull().unique())
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('principal_type', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .addColumn('created_by', 'text')
          .execute();
      },
    },
  };
  return { getMigrations: async () => all };
}
