import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { NumberedLine } from '../http/ndjson-lines.js';
import { CairnError } from '../errors/catalog.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { ManifestAccumulator, type ManifestSummary } from './manifest-accumulator.js';

/** Pieces no registration names are removed after this long (an upload cut off by a crash). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/** A streamed manifest, received and stored in pieces, that a registration can now name. */
export interface ReceivedManifest extends ManifestSummary {
  readonly upload: string;
  /** Removes the pieces (the registration failed or was refused). */
  discard(): Promise<void>;
}

/**
 * Receives the object lines of a streamed manifest: each is checked and folded into the digest as
 * it arrives, and the canonical text goes to `dataset_manifest_parts` in ~1 MiB pieces, each its
 * own small write, so memory stays flat and no transaction holds the log while bytes arrive. The
 * registration's transaction then only names the upload. On any failure the pieces are removed.
 */
export async function receiveManifest(store: Store, lines: AsyncIterable<NumberedLine>): Promise<ReceivedManifest> {
  const upload = crypto.randomUUID();
  const discard = () => discardUpload(store.db, upload);
  const accumulator = new ManifestAccumulator();
  let seq = 0;
  const write = async (part: string | undefined) => {
    if (part === undefined) return;
    await store.db.insertInto('dataset_manifest_parts').values({ upload, seq, part, created_at: new Date().toISOString() }).execute();
    seq += 1;
  };
  try {
    for await (const { line, text } of lines) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new CairnError('manifest_invalid', `manifest line ${line}: not JSON (${(err as Error).message})`, { details: { issues: [{ line, path: '', message: 'not JSON' }] } });
      }
      accumulator.add(line, value);
      await write(accumulator.takePart());
    }
    const summary = accumulator.finish();
    await write(accumulator.takePart(true));
    return { ...summary, upload, discard };
  } catch (err) {
    // If the store itself failed, the pieces stay until the sweep; the original error is the one to report.
    await discard().catch(() => undefined);
    throw err;
  }
}

export async function discardUpload(db: Kysely<Database>, upload: string): Promise<void> {
  await db.deleteFrom('dataset_manifest_parts').where('upload', '=', upload).execute();
}

/** The canonical text of a streamed manifest, piece by piece, in order. */
export async function* manifestParts(db: Kysely<Database>, upload: string): AsyncGenerator<string> {
  for (let seq = 0; ; seq += 1) {
    const row = await db.selectFrom('dataset_manifest_parts').select('part').where('upload', '=', upload).where('seq', '=', seq).executeTakeFirst();
    if (!row) return;
    yield row.part;
  }
}

/** Removes pieces of uploads that no registration names and that are older than `ABANDONED_AFTER_MS`. */
export async function sweepAbandonedUploads(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const before = new Date(now - ABANDONED_AFTER_MS).toISOString();
  const result = await db
    .deleteFrom('dataset_manifest_parts')
    .where('created_at', '<', before)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('dataset_manifests').select('digest').whereRef('dataset_manifests.upload', '=', 'dataset_manifest_parts.upload'))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
