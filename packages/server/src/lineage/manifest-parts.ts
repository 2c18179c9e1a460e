import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CairnError } from '../errors/catalog.js';
import { readChunk } from '../http/ndjson-lines.js';
import type { Store } from '../store/store.js';
import type { ManifestSummary } from './manifest-accumulator.js';
import { ManifestFiles } from './manifest-files.js';
import type { FromWorker, ToWorker } from './manifest-messages.js';
import type { ManifestPieces } from './manifest-sink.js';
import { ManifestRows } from './manifest-rows.js';

/** Files under the data directory for the embedded store (one server); rows for PostgreSQL (shared by every server). */
export function manifestPieces(store: Store, dataDir: string): ManifestPieces {
  return store.dialect === 'sqlite' ? new ManifestFiles(path.join(dataDir, 'manifests'), store.db) : new ManifestRows(store.db);
}

/** The object lines of a streamed registration: bytes already read after line 1, and the rest of the body. */
export interface StreamedObjects {
  readonly head: readonly Uint8Array[];
  readonly body: AsyncIterator<Buffer | string>;
}

/** A streamed manifest, received and stored, that a registration can now name. */
export interface ReceivedManifest extends ManifestSummary {
  readonly upload: string;
  discard(): Promise<void>;
}

/** Chunks handed to the worker and not yet processed, at most: reading the body waits beyond this. */
const MAX_IN_FLIGHT = 16;

/**
 * Receives the object lines of a streamed manifest. The server's thread reads the body and hands
 * the bytes to a worker (`manifest-worker.ts`) that checks each line and folds it into the digest;
 * the canonical text comes back in ~64 KiB pieces that go to the sink. Memory stays flat (a bounded
 * number of chunks in flight, one piece at a time), nothing holds the log while bytes arrive, and
 * on any failure what was written is removed.
 */
export async function receiveManifest(pieces: ManifestPieces, objects: StreamedObjects): Promise<ReceivedManifest> {
  const sink = await pieces.open();
  // A small heap: the worker holds a few chunks and one piece of text at a time.
  const worker = new Worker(new URL('./manifest-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
  const inbox = new Inbox(worker);
  let inFlight = 0;
  let summary: ManifestSummary | undefined;
  // Pieces are written one after another while the body keeps being read; the worker waits
  // for the acknowledgement when two pieces are outstanding.
  let writes = Promise.resolve();
  let writeFailure: { error: unknown } | undefined;
  const written = async () => {
    await writes;
    if (writeFailure) throw writeFailure.error;
  };
  const handle = async (m: FromWorker) => {
    if (m.kind === 'processed') inFlight -= 1;
    else if (m.kind === 'part') {
      writes = writes.then(async () => {
        if (writeFailure) return;
        try {
          await sink.write(m.part);
          worker.postMessage({ kind: 'written' } satisfies ToWorker);
        } catch (error) {
          writeFailure = { error };
        }
      });
    } else if (m.kind === 'done') summary = m.summary;
    else throw new CairnError(m.code, m.message, { details: m.details });
  };
  const feed = async (chunk: Uint8Array) => {
    if (writeFailure) throw writeFailure.error;
    worker.postMessage({ kind: 'chunk', chunk } satisfies ToWorker);
    inFlight += 1;
    while (inbox.ready()) await handle(await inbox.take());
    while (inFlight > MAX_IN_FLIGHT) await handle(await inbox.take());
  };
  try {
    for (const chunk of objects.head) await feed(chunk);
    for (let chunk = await readChunk(objects.body); chunk !== undefined; chunk = await readChunk(objects.body)) await feed(chunk);
    worker.postMessage({ kind: 'end' } satisfies ToWorker);
    while (summary === undefined) await handle(await inbox.take());
    await written();
    await sink.seal();
    return { ...summary, upload: sink.upload, discard: () => sink.discard() };
  } catch (err) {
    // If the store itself failed, the pieces stay until the sweep; the original error is the one to report.
    await writes;
    await sink.discard().catch(() => undefined);
    throw err;
  } finally {
    await worker.terminate();
  }
}

/** The worker's messages, in order, one at a time; its crash or exit is an error. */
class Inbox {
  readonly #messages: FromWorker[] = [];
  #waiter: { resolve(m: FromWorker): void; reject(e: Error): void } | undefined;
  #failure: Error | undefined;

  constructor(worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      if (this.#waiter) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w.resolve(m);
      } else this.#messages.push(m);
    });
    const fail = (e: Error) => {
      this.#failure ??= e;
      this.#waiter?.reject(e);
      this.#waiter = undefined;
    };
    worker.on('error', (err) => fail(new CairnError('internal', `the manifest worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new CairnError('internal', `the manifest worker exited (${code})`)));
  }

  ready(): boolean {
    return this.#messages.length > 0;
  }

  take(): Promise<FromWorker> {
    const m = this.#messages.shift();
    if (m) return Promise.resolve(m);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }
}
