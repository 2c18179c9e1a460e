import { CompactRange, leafHash as hashLeaf } from '@cairn/verify';
import { sql, type Kysely } from 'kysely';
import { CairnError } from '../errors/catalog.js';
import type { Database, LogEntryTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { storeFailure } from '../store/unavailable.js';
import { entryLeaf, makeEntry, rfc3339, type Actor, type Entry, type EntryInput } from './entry.js';
import { rangeNodes } from './tree-math.js';
import { nodeKey, readNodes } from './tree-reader.js';

/** What one writer asks for: entries, and optionally the projection rows to write with them. */
export interface AppendRequest {
  readonly actor: Actor;
  readonly entries: readonly EntryInput[];
  /**
   * Writes the projections of these entries (datasets, runs, …) in the same transaction.
   * If it throws, none of this request's entries are written and the error reaches the caller.
   */
  readonly apply?: ((trx: Kysely<Database>, appended: readonly AppendedEntry[]) => Promise<void>) | undefined;
}

export interface AppendedEntry {
  readonly index: number;
  readonly leafHash: Uint8Array;
  readonly entry: Entry;
}

export interface AppendResult {
  readonly entries: readonly AppendedEntry[];
  /** The tree size after the transaction that carried this request. */
  readonly treeSize: number;
}

interface Pending {
  readonly request: AppendRequest;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

export interface AppenderOptions {
  /** Upper bound of entries in one transaction (one request is never split). */
  readonly maxBatchEntries?: number;
  readonly now?: () => number;
}

const INSERT_CHUNK = 4000; // 6 parameters a row stays under SQLite's 32 766 and PostgreSQL's 65 535

/**
 * Group commit. Appends queue here; one loop drains the queue into transactions, so every
 * request that arrived while the previous transaction was committing shares the next one. A
 * promise resolves only after its transaction is durable. A request is atomic: its entries
 * (and projections) are all written or none are. Tree growth is serialised in the database
 * (`BEGIN IMMEDIATE` on SQLite, `SELECT … FOR UPDATE` of `log_head` on PostgreSQL), so several
 * processes sharing one PostgreSQL database extend one tree.
 */
export class Appender {
  readonly #store: Store;
  readonly #maxBatch: number;
  readonly #now: () => number;
  readonly #queue: Pending[] = [];
  #draining = false;
  /** Counters for metrics: transactions committed, entries in them, transactions that failed. */
  readonly stats = { commits: 0, entries: 0, failedCommits: 0 };
  /** The right edge of the tree as of our last commit; reused only while the size still matches. */
  #range: CompactRange | undefined;

  constructor(store: Store, options: AppenderOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatchEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Resolves when everything queued so far has been committed or refused. */
  async flush(): Promise<void> {
    while (this.#draining || this.#queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await this.#commit(this.#takeBatch());
        // Let the event loop read sockets, so requests that arrived during the commit join the next batch.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.#draining = false;
    }
  }

  #takeBatch(): Pending[] {
    let count = 0;
    let n = 0;
    while (n < this.#queue.length) {
      const size = this.#queue[n]!.request.entries.length;
      if (n > 0 && count + size > this.#maxBatch) break;
      count += size;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }

  async #commit(batch: Pending[]): Promise<void> {
    const outcomes = new Map<Pending, AppendedEntry[] | { error: unknown }>();
    let treeSize = 0;
    let committed: CompactRange | undefined;
    try {
      await this.#store.writeTransaction(async (trx) => {
        const head = this.#store.forUpdate(trx.selectFrom('log_head').select(['size', 'last_time']).where('id', '=', 1));
        const { size, last_time } = await head.executeTakeFirstOrThrow();
        let range = await this.#rangeAt(trx, Number(size));
        let lastTime = last_time;
        const rows: LogEntryTable[] = [];

        for (const pending of batch) {
          const mark: { range: CompactRange; lastTime: string; rows: number } = { range: range.clone(), lastTime, rows: rows.length };
          const appended: AppendedEntry[] = [];
          try {
            const now = rfc3339(this.#now()); // one reading per request: its entries share a time
            for (const input of pending.request.entries) {
              const time = now > lastTime ? now : lastTime; // monotonic non-decreasing across entries
              const entry = makeEntry(input, pending.request.actor, time);
              const leaf = entryLeaf(entry);
              const index = range.size;
              const nodes = range.append(hashLeaf(leaf));
              rows.push({ idx: index, kind: entry.kind, subject: entry.subject ?? null, time, leaf, hashes: concat(nodes) });
              appended.push({ index, leafHash: nodes[0]!, entry });
              lastTime = time;
            }
            if (pending.request.apply) {
              await sql.raw('savepoint cairn_request').execute(trx);
              try {
                await pending.request.apply(trx, appended);
              } catch (err) {
                await sql.raw('rollback to savepoint cairn_request').execute(trx).catch((rollbackError: unknown) => {
                  throw new TransactionLost(err, rollbackError);
                });
                throw err;
              }
              await sql.raw('release savepoint cairn_request').execute(trx);
            }
            outcomes.set(pending, appended);
          } catch (error) {
            // The transaction itself failed (SQLite rolls all of it back on SQLITE_FULL, IOERR or
            // BUSY; a PostgreSQL connection may be gone): going on would write the rest of the
            // batch outside any transaction. Abandon the whole batch instead.
            if (error instanceof TransactionLost || storeFailure(error)) throw error;
            range = mark.range;
            lastTime = mark.lastTime;
            rows.length = mark.rows;
            outcomes.set(pending, { error });
          }
        }

        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          await trx.insertInto('log_entries').values(rows.slice(i, i + INSERT_CHUNK)).execute();
        }
        treeSize = range.size;
        committed = range;
        if (rows.length > 0) {
          await trx.updateTable('log_head').set({ size: treeSize, last_time: lastTime }).where('id', '=', 1).execute();
        }
      });
    } catch (err) {
      this.stats.failedCommits += 1;
      this.#range = undefined; // the store may have moved on without us; reload next time
      const error = toStoreError(err);
      for (const p of batch) p.reject(error);
      return;
    }
    this.#range = committed;
    this.stats.commits += 1;
    for (const outcome of outcomes.values()) if (!('error' in outcome)) this.stats.entries += outcome.length;
    for (const p of batch) {
      const outcome = outcomes.get(p)!;
      if ('error' in outcome) p.reject(outcome.error);
      else p.resolve({ entries: outcome, treeSize });
    }
  }

  /** The compact range at `size`: ours if still current, else rebuilt from O(log n) stored nodes. */
  async #rangeAt(trx: Kysely<Database>, size: number): Promise<CompactRange> {
    if (this.#range && this.#range.size === size) return this.#range.clone();
    const nodes = rangeNodes(0, size);
    const hashes = await readNodes(trx, nodes);
    return new CompactRange(size, nodes.map((n) => hashes.get(nodeKey(n))!));
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * Rolling back to a request's savepoint failed: the transaction is no longer ours to continue
 * (SQLite rolls the whole of it back on SQLITE_FULL, and the savepoint is gone). The cause is
 * the request's own failure, which says why.
 */
class TransactionLost extends Error {
  override readonly name = 'TransactionLost';
  readonly rollbackError: unknown;
  constructor(cause: unknown, rollbackError: unknown) {
    super('the transaction was lost while rolling back one request', { cause });
    this.rollbackError = rollbackError;
  }
}

/**
 * Why nobody in the batch got an answer but this one. A lost COMMIT keeps its own message
 * (the outcome is unknown); any other failure happened before COMMIT: nothing was written.
 */
function toStoreError(err: unknown): unknown {
  if (err instanceof CairnError) return err;
  const message = 'the store did not commit the batch; nothing was written. Retry later';
  return storeFailure(err, message) ?? new CairnError('unavailable', message, { cause: err });
}
