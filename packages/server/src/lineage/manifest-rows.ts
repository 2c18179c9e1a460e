import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { ABANDONED_AFTER_MS, type ManifestPieces, type ManifestSink } from './manifest-sink.js';

/**
 * Streamed manifests in `dataset_manifest_parts` (PostgreSQL): every server of a deployment
 * reads the same rows, and the pg driver never blocks the event loop while a piece is written.
 * Each piece is its own small write, so no transaction is held open while bytes arrive.
 */
export class ManifestRows implements ManifestPieces {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async open(): Promise<ManifestSink> {
    const db = this.#db;
    const upload = crypto.randomUUID();
    let seq = 0;
    return {
      upload,
      async write(part) {
        await db.insertInto('dataset_manifest_parts').values({ upload, seq, part, created_at: new Date().toISOString() }).execute();
        seq += 1;
      },
      // Each piece was committed on its own: nothing more to make durable.
      seal: async () => undefined,
      discard: async () => void (await db.deleteFrom('dataset_manifest_parts').where('upload', '=', upload).execute()),
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
