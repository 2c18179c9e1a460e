import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { ABANDONED_AFTER_MS, type ManifestPieces, type ManifestSink } from './manifest-sink.js';

/**
 * Streamed manifests in `dataset_manifest_parts` (PostgreSQL): every server of a deployment
 * reads the same rows, and the pg driver never blocks the event loop while a piece is written.
 * An upload's pieces are written in one transaction of their own, on a connection of their own,
 * committed just before the registration that names them (one WAL flush, not one per piece);
 * it touches no row the log or other requests lock, and a refused or cut-off upload is simply
 * rolled back — also by the database itself if the server dies.
 */
export class ManifestRows implements ManifestPieces {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async open(): Promise<ManifestSink> {
    const upload = crypto.randomUUID();
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    let ended: Promise<void>;
    const conn = await new Promise<Kysely<Database>>((resolve, reject) => {
      ended = this.#db.connection().execute(async (c) => {
        await sql`begin`.execute(c);
        resolve(c);
        const commit = await decided;
        await sql.raw(commit ? 'commit' : 'rollback').execute(c);
      });
      ended.catch(reject);
    });
    let seq = 0;
    let open = true;
    const end = async (commit: boolean) => {
      if (!open) return ended;
      open = false;
      finish(commit);
      return ended;
    };
    return {
      upload,
      async write(part) {
        await conn.insertInto('dataset_manifest_parts').values({ upload, seq, part, created_at: new Date().toISOString() }).execute();
        seq += 1;
      },
      seal: () => end(true),
      discard: async () => {
        if (open) return end(false).catch(() => undefined);
        // Committed already (the registration failed after): remove the rows.
        await this.#db.deleteFrom('dataset_manifest_parts').where('upload', '=', upload).execute();
      },
    };
  }
  async *read(upload: string): AsyncGenerator<string> {
    for (let seq = 0; ; seq += 1) {
      const row = await this.#db.selectFrom('dataset_manifest_parts').select('part').where('upload', '=', upload).where('seq', '=', seq).executeTakeFirst();
      if (!row) return;
      yield row.part;
    }
  }

  async sweep(now = Date.now()): Promise<number> {
    const before = new Date(now - ABANDONED_AFTER_MS).toISOString();
    const result = await this.#db
      .deleteFrom('dataset_manifest_parts')
      .where('created_at', '<', before)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('dataset_manifests').select('digest').whereRef('dataset_manifests.upload', '=', 'dataset_manifest_parts.upload'))))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
