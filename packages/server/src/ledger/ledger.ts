import { CairnError } from '../errors/catalog.js';
import type { LogSigner } from '../keys/log-signer.js';
import type { Store } from '../store/store.js';
import { Appender, type AppendRequest, type AppendResult, type AppenderOptions } from './appender.js';
import { Checkpointer, type StoredCheckpoint } from './checkpointer.js';
import type { Entry } from './entry.js';
import { RefusalRecorder, type RefusalLimits } from './refusal-recorder.js';
import { consistencyPlan, inclusionPlan } from './tree-math.js';
import { foldRange, nodeKey, readNodes, resolvePlan } from './tree-reader.js';

export interface StoredEntry {
  readonly index: number;
  readonly leaf: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly entry: Entry;
}

export interface InclusionProof {
  readonly index: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly hashes: readonly Uint8Array[];
  readonly checkpoint: StoredCheckpoint;
}

export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  readonly hashes: readonly Uint8Array[];
}

/**
 * The append-only, verifiable log: group-committed appends, signed checkpoints, and RFC 9162
 * inclusion and consistency proofs served from stored nodes in O(log n) reads.
 */
export class Ledger {
  readonly store: Store;
  readonly signer: LogSigner;
  readonly checkpoints: Checkpointer;
  /** Every recorded refusal goes through here: written one by one up to a limit, then counted. */
  readonly refusals: RefusalRecorder;
  readonly #appender: Appender;

  constructor(store: Store, signer: LogSigner, options: AppenderOptions & { refusalLimits?: RefusalLimits | undefined } = {}) {
    this.store = store;
    this.signer = signer;
    this.#appender = new Appender(store, options);
    this.checkpoints = new Checkpointer(store, signer);
    this.refusals = new RefusalRecorder((request) => this.append(request), options.refusalLimits, options.now);
  }

  get origin(): string {
    return this.signer.name;
  }

  /** Appends a request's entries atomically; resolves once they are durable. */
  append(request: AppendRequest): Promise<AppendResult> {
    return this.#appender.append(request);
  }

  get stats(): Readonly<{ commits: number; entries: number; failedCommits: number }> {
    return this.#appender.stats;
  }

  flush(): Promise<void> {
    return this.#appender.flush();
  }

  async size(): Promise<number> {
    const row = await this.store.db.selectFrom('log_head').select('size').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.size);
  }

  async entry(index: number): Promise<StoredEntry> {
    const [found] = await this.entries(index, 1);
    if (!found) throw new CairnError('entry_not_found', `no entry has index ${index}`);
    return found;
  }

  /** Up to `limit` consecutive entries from `start`. */
  async entries(start: number, limit: number): Promise<StoredEntry[]> {
    const rows = await this.store.db
      .selectFrom('log_entries')
      .select(['idx', 'leaf', 'hashes'])
      .where('idx', '>=', start)
      .where('idx', '<', start + limit)
      .orderBy('idx', 'asc')
      .execute();
    return rows.map((row) => ({
      index: Number(row.idx),
      leaf: row.leaf,
      leafHash: row.hashes.subarray(0, 32),
      entry: JSON.parse(Buffer.from(row.leaf).toString('utf8')) as Entry,
    }));
  }

  async checkpointAt(size: number): Promise<StoredCheckpoint> {
    return this.#signedAt(size);
  }

  /**
   * Inclusion proof of `index` into the signed checkpoint of size `treeSize`. Without a size,
   * the latest checkpoint is used; if it does not cover the entry yet, one is signed now.
   */
  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    let checkpoint: StoredCheckpoint | undefined;
    if (treeSize === undefined) {
      checkpoint = await this.checkpoints.latest();
      if (!checkpoint || checkpoint.size <= index) checkpoint = await this.checkpoints.signIfGrown();
      if (!checkpoint) throw new CairnError('log_empty', 'the log has no entries yet');
      if (index >= checkpoint.size) {
        throw new CairnError('index_out_of_range', `index ${index} is not below the tree size ${checkpoint.size}`, {
          details: { index, treeSize: checkpoint.size },
        });
      }
    } else {
      if (index >= treeSize) {
        throw new CairnError('index_out_of_range', `index ${index} is not below the tree size ${treeSize}`, {
          details: { index, treeSize },
        });
      }
      checkpoint = await this.#signedAt(treeSize);
    }
    const size = checkpoint.size;
    // The proof's nodes and the leaf hash itself come from one read.
    const plan = inclusionPlan(index, size);
    const leaf = { level: 0, index };
    const nodes = await readNodes(this.store.db, [...plan.flat(), leaf]);
    return { index, treeSize: size, leafHash: nodes.get(nodeKey(leaf))!, hashes: plan.map((range) => foldRange(range, nodes)), checkpoint };
  }

  /** Consistency proof between two tree sizes; `to` must be a signed size. */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    if (from > to) {
      throw new CairnError('invalid_range', `from (${from}) is greater than to (${to})`, { details: { from, to } });
    }
    await this.#signedAt(to);
    const hashes = await resolvePlan(this.store.db, consistencyPlan(from, to));
    return { from, to, hashes };
  }

  async #signedAt(size: number): Promise<StoredCheckpoint> {
    const checkpoint = await this.checkpoints.at(size);
    if (!checkpoint) {
      throw new CairnError('tree_size_not_signed', `no signed checkpoint has tree size ${size}`, { details: { treeSize: size } });
    }
    return checkpoint;
  }
}
