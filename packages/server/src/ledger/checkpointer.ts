import { verifyConsistency } from '@cairn/verify';
import type { LogSigner } from '../keys/log-signer.js';
import type { Store } from '../store/store.js';
import { storeFailure } from '../store/unavailable.js';
import { rfc3339 } from './entry.js';
import { consistencyPlan, rangeNodes } from './tree-math.js';
import { resolvePlan } from './tree-reader.js';

/** Where the periodic signer reports (pino's shape). */
export interface CheckpointLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
  readonly signedAt: string;
}

/**
 * Signs checkpoints. Before signing size n it proves, with the independent verifier, that the
 * new root is consistent with the latest signed one, so the log never signs a fork even if the
 * store were damaged. Every signed checkpoint is kept; several processes may race to sign the
 * same size: they produce the same note (Ed25519 is deterministic) and the first insert wins.
 */
export class Checkpointer {
  readonly #store: Store;
  readonly #signer: LogSigner;
  #inFlight: Promise<StoredCheckpoint | undefined> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #paused = false;
  /** Signed checkpoints never change: once read, a size's checkpoint is served from memory. */
  readonly #bySize = new Map<number, StoredCheckpoint>();

  constructor(store: Store, signer: LogSigner) {
    this.#store = store;
    this.#signer = signer;
  }

  /** Signs a checkpoint at the current size if the tree grew since the latest; concurrent calls share one. */
  signIfGrown(): Promise<StoredCheckpoint | undefined> {
    this.#inFlight ??= this.#sign().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** True while the periodic signer waits for an unreachable store to return. */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Signs every `intervalMs` when the tree grew. While the store cannot be reached the signer
   * pauses: it says so once, keeps trying each interval without logging, and says once when it
   * signs again. Any other failure (a consistency proof that fails) is logged every time.
   */
  start(intervalMs: number, log: CheckpointLog): void {
    this.stop();
    this.#timer = setInterval(() => {
      this.signIfGrown().then(
        () => {
          if (!this.#paused) return;
          this.#paused = false;
          log.info({}, 'store reachable again: checkpoint signing resumed');
        },
        (err: unknown) => {
          const failure = storeFailure(err);
          if (!failure) return log.error({ err }, 'checkpoint signing failed');
          if (this.#paused) return;
          this.#paused = true;
          log.warn({ code: failure.code, reason: causeOf(err) }, 'store unavailable: checkpoint signing paused until it returns');
        },
      );
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    const row = await this.#store.db.selectFrom('log_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
    return row && toCheckpoint(row);
  }

  async at(size: number): Promise<StoredCheckpoint | undefined> {
    const cached = this.#bySize.get(size);
    if (cached) return cached;
    const row = await this.#store.db.selectFrom('log_checkpoints').selectAll().where('size', '=', size).executeTakeFirst();
    if (!row) return undefined;
    if (this.#bySize.size >= 4096) this.#bySize.clear();
    const checkpoint = toCheckpoint(row);
    this.#bySize.set(size, checkpoint);
    return checkpoint;
  }

  async #sign(): Promise<StoredCheckpoint | undefined> {
    const db = this.#store.db;
    const { size } = await db.selectFrom('log_head').select('size').where('id', '=', 1).executeTakeFirstOrThrow();
    const latest = await this.latest();
    if (size === 0 || (latest && latest.size >= size)) return latest;
    const [root] = await resolvePlan(db, [rangeNodes(0, size)]);
    if (latest) {
      const proof = await resolvePlan(db, consistencyPlan(latest.size, size));
      verifyConsistency(latest.size, size, proof, latest.rootHash, root!); // throws rather than sign a fork
    }
    const note = this.#signer.signCheckpoint({ origin: this.#signer.name, size, rootHash: root!, extensions: [] });
    await db
      .insertInto('log_checkpoints')
      .values({ size, root_hash: root!, note, signed_at: rfc3339(Date.now()) })
      .onConflict((oc) => oc.column('size').doNothing())
      .execute();
    return this.at(size);
  }
}

function causeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
}

function toCheckpoint(row: { size: number; root_hash: Uint8Array; note: string; signed_at: string }): StoredCheckpoint {
  return { size: Number(row.size), rootHash: row.root_hash, note: row.note, signedAt: row.signed_at };
}
