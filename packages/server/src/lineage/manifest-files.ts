import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import type { Database } from '../store/schema.js';
import { ABANDONED_AFTER_MS, type ManifestPieces, type ManifestSink } from './manifest-sink.js';

const NAME = /^[0-9a-f-]{36}\.json$/;

/**
 * Streamed manifests as files under the data directory (`manifests/<upload>.json`, mode 0600),
 * beside the embedded store. better-sqlite3 writes on the event loop, and 58 MB through SQLite's
 * WAL (with its checkpoints and fsyncs) would stall every other request; file writes go to
 * libuv's thread pool instead. The file is fsynced, and its directory entry too, before the
 * registration that names it commits, so a committed registration never names a missing file.
 */
export class ManifestFiles implements ManifestPieces {
  readonly #dir: string;
  readonly #db: Kysely<Database>;

  constructor(dir: string, db: Kysely<Database>) {
    this.#dir = dir;
    this.#db = db;
  }

  async open(): Promise<ManifestSink> {
    await fsp.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const upload = crypto.randomUUID();
    const file = path.join(this.#dir, `${upload}.json`);
    const handle = await fsp.open(file, 'wx', 0o600);
    let open = true;
    const close = async () => {
      if (open) await handle.close();
      open = false;
    };
    return {
      upload,
      write: async (part) => void (await handle.write(part, null, 'utf8')),
      seal: async () => {
        await handle.sync();
        await close();
        const dir = await fsp.open(this.#dir, 'r');
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      },
      discard: async () => {
        await close().catch(() => undefined);
        await fsp.rm(file, { force: true });
      },
    };
  }

  async *read(upload: string): AsyncGenerator<string> {
    const file = path.join(this.#dir, `${upload}.json`);
    if (!fs.existsSync(file)) throw new CairnError('store_inconsistent', `the manifest file of upload ${upload} is missing from ${this.#dir}`);
    yield* fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }) as AsyncIterable<string>;
  }

  async sweep(now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = (await fsp.readdir(this.#dir)).filter((n) => NAME.test(n));
    } catch {
      return 0; // no streamed manifest yet
    }
    const named = new Set((await this.#db.selectFrom('dataset_manifests').select('upload').where('upload', 'is not', null).execute()).map((r) => `${r.upload}.json`));
    let removed = 0;
    for (const name of names) {
      if (named.has(name)) continue;
      const file = path.join(this.#dir, name);
      if ((await fsp.stat(file)).mtimeMs > now - ABANDONED_AFTER_MS) continue;
      await fsp.rm(file, { force: true });
      removed += 1;
    }
    return removed;
  }
}
