import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { cleanupStores, storeCases } from './helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`migrations on ${storeCase.name}`, () => {
    it('are applied once, and reopening or racing processes apply nothing twice', async () => {
      const location = storeCase.fresh();
      // PostgreSQL replicas start together; one SQLite file has one server (a second open in the
      // same process would wait on the first one's write lock with the event loop blocked).
      if (storeCase.name === 'postgres') {
        const [a, b] = await Promise.all([location.open(), location.open()]);
        await Promise.all([a.close(), b.close()]);
      } else {
        await (await location.open()).close();
        await (await location.open()).close();
      }
      const s = await location.open();
      try {
        const rows = (await sql<{ name: string }>`select name from cairn_migrations order by name`.execute(s.db)).rows.map((r) => r.name);
        assert.ok(rows.length >= 5);
        assert.equal(new Set(rows).size, rows.length);
      } finally {
        await s.close();
      }
    });

    it('take over a store whose migrations Kysely recorded (stores made before our runner)', async () => {
      const location = storeCase.fresh();
      const first = await location.open();
      await sql`create table kysely_migration (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(first.db);
      await sql`insert into kysely_migration (name, timestamp) select name, applied_at from cairn_migrations`.execute(first.db);
      await sql`drop table cairn_migrations`.execute(first.db);
      await first.close();
      const reopened = await location.open();
      try {
        assert.equal((await reopened.db.selectFrom('log_head').selectAll().execute()).length, 1, 'the existing tables were kept');
        const n = (await sql<{ n: number }>`select count(*) as n from cairn_migrations`.execute(reopened.db)).rows[0]!.n;
        assert.ok(Number(n) >= 5);
      } finally {
        await reopened.close();
      }
    });
  });
}
