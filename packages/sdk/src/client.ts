import {
  VerifyError,
  bytesEqual,
  canonicalize,
  fromBase64,
  fromHex,
  leafHash as hashLeaf,
  toHex,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
} from '@cairn/verify';
import { CairnVerificationError } from './errors.js';
import { IdentityApi } from './identity.js';
import { LineageApi } from './lineage.js';
import { PolicyApi } from './policy.js';
import { RegistryApi } from './registry.js';
import { ExportsApi } from './exports.js';
import { Transport, type TlsOptions } from './transport.js';
import { MemoryTrustStore, type TrustStore, type TrustedLog } from './trust-store.js';

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Bearer token. */
  readonly token?: string | undefined;
  /** The log's verifier key, if known out of band; otherwise trusted on first use and pinned. */
  readonly verifierKey?: string | undefined;
  /** Where the last verified checkpoint is remembered. Default: in memory. */
  readonly trustStore?: TrustStore | undefined;
  /** Request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number | undefined;
  /** HTTPS settings: a private CA to trust, a client certificate for mutual TLS. */
  readonly tls?: TlsOptions | undefined;
}

export interface EntryInput {
  readonly kind: string;
  readonly subject?: string;
  readonly body: Record<string, unknown>;
}

export interface AppendedEntry {
  readonly index: number;
  readonly leafHash: string;
}

export interface VerifiedCheckpoint extends Checkpoint {
  readonly note: string;
}

export interface VerifiedEntry {
  readonly index: number;
  readonly entry: { kind: string; actor: Record<string, unknown>; time: string; subject?: string; body: Record<string, unknown> };
  readonly leaf: Uint8Array;
  readonly leafHash: string;
}

export interface VerifiedInclusion {
  readonly index: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly hashes: readonly string[];
  readonly checkpoint: VerifiedCheckpoint;
}

/**
 * A typed client for Cairn's HTTP API that verifies what it is given: every checkpoint's
 * signature, every proof, and that each new checkpoint is consistent with the last one this
 * client trusted (so a server that rewrites history is caught, not believed).
 *
 * @example
 * const cairn = new CairnClient({ url: 'http://127.0.0.1:8080', token: process.env.CAIRN_TOKEN });
 * const [appended] = await cairn.append([{ kind: 'custom.pipeline.step', body: { step: 'train', ok: true } }]);
 * const proof = await cairn.proveInclusion(appended.index); // throws unless it verifies
 */
/** What to do when a server's key changed on purpose (its data directory was recreated). */
const FORGET_HINT = (url: string) =>
  `If this server was reinstalled on purpose, check the new key out of band, then forget the old one with \`cairn trust forget ${url}\`; otherwise treat it as an attack`;

export class CairnClient {
  readonly url: string;
  /** Tokens, whoami, break-glass and alerts. */
  readonly identity: IdentityApi;
  /** Policy packs: lint, propose, approve, evaluate, placement checks. */
  readonly policy: PolicyApi;
  /** Datasets, training runs, provenance bundles, trace. */
  readonly lineage: LineageApi;
  /** Models, versions, evidence, validation, reviews, waivers. */
  readonly registry: RegistryApi;
  /** Compliance packages: build and download one, past exports. */
  readonly exports: ExportsApi;
  readonly #http: Transport;
  readonly #trust: TrustStore;
  #pinnedKey: string | undefined;

  constructor(options: ClientOptions) {
    this.#http = new Transport(options.url, options.token, options.timeoutMs ?? 30_000, options.tls);
    this.url = this.#http.url;
    this.#trust = options.trustStore ?? new MemoryTrustStore();
    this.#pinnedKey = options.verifierKey;
    this.identity = new IdentityApi(this.#http);
    this.policy = new PolicyApi(this.#http);
    this.lineage = new LineageApi(this.#http);
    this.registry = new RegistryApi(this.#http);
    this.exports = new ExportsApi(this.#http);
  }

  /**
   * Appends entries atomically; resolves once the server has made them durable.
   * @example await cairn.append([{ kind: 'custom.etl.batch', subject: 'batch:42', body: { sha256: '…' } }]);
   */
  async append(entries: readonly EntryInput[]): Promise<AppendedEntry[]> {
    const res = await this.#http.json<{ entries: AppendedEntry[] }>('POST', '/api/v1/entries', { entries });
    return res.entries;
  }

  /** @example const { origin, verifierKey } = await cairn.key(); */
  async key(): Promise<{ origin: string; verifierKey: string }> {
    return this.#http.json('GET', '/api/v1/log/key');
  }

  /** The trusted state remembered for this server, if any. */
  trusted(): TrustedLog | undefined {
    return this.#trust.load(this.url);
  }

  /**
   * Fetches the latest checkpoint, verifies its signature and its consistency with the last
   * trusted one, and trusts it.
   * @example const cp = await cairn.checkpoint(); console.log(cp.size, cp.origin);
   */
  async checkpoint(options: { sign?: boolean } = {}): Promise<VerifiedCheckpoint> {
    const note = await this.#http.text(options.sign ? 'POST' : 'GET', '/api/v1/log/checkpoint');
    return this.#accept(note);
  }

  /**
   * Fetches an entry and checks that its leaf hash is the hash of its exact bytes and that
   * the bytes are the canonical JSON of the entry.
   * @example const { entry } = await cairn.entry(0); console.log(entry.kind, entry.actor);
   */
  async entry(index: number): Promise<VerifiedEntry> {
    return checkEntry(await this.#http.json<RawEntry>('GET', `/api/v1/log/entries/${index}`), index);
  }

  /**
   * Up to `limit` (≤ 1000) consecutive entries from `start`, each checked like `entry()`.
   * @example const page = await cairn.entries(0, 100);
   */
  async entries(start: number, limit: number): Promise<VerifiedEntry[]> {
    const res = await this.#http.json<{ entries: RawEntry[] }>('GET', `/api/v1/log/entries?start=${start}&limit=${limit}`);
    return res.entries.map((e, i) => checkEntry(e, start + i));
  }

  /**
   * The signed checkpoint of a given size, verified (signature, consistency with the trusted one).
   * @example const cp = await cairn.checkpointAt(100);
   */
  async checkpointAt(size: number): Promise<VerifiedCheckpoint> {
    return this.#accept(await this.#http.text('GET', `/api/v1/log/checkpoints/${size}`));
  }

  /**
   * Proves that entry `index` is in the log: verifies the inclusion proof against the signed
   * checkpoint the server returns, and that checkpoint against the trusted one.
   * @example const p = await cairn.proveInclusion(7); console.log(`in tree of ${p.treeSize}`);
   */
  async proveInclusion(index: number, treeSize?: number, leafHash?: string): Promise<VerifiedInclusion> {
    const q = treeSize === undefined ? `index=${index}` : `index=${index}&treeSize=${treeSize}`;
    const res = await this.#http.json<{ index: number; treeSize: number; leafHash: string; hashes: string[]; checkpoint: string }>('GET', `/api/v1/log/proof/inclusion?${q}`);
    const checkpoint = await this.#accept(res.checkpoint);
    if (checkpoint.size !== res.treeSize || res.index !== index) {
      throw new CairnVerificationError('response_invalid', 'the proof does not match the checkpoint or index asked for');
    }
    if (leafHash !== undefined && leafHash !== res.leafHash) {
      throw new CairnVerificationError('leaf_mismatch', `entry ${index} has leaf hash ${res.leafHash}, expected ${leafHash}`);
    }
    try {
      verifyInclusion(index, res.treeSize, fromHex(res.leafHash), res.hashes.map(fromHex), checkpoint.rootHash);
    } catch (err) {
      throw new CairnVerificationError('proof_invalid', `inclusion proof for entry ${index} does not verify`, { cause: err });
    }
    return { index, treeSize: res.treeSize, leafHash: res.leafHash, hashes: res.hashes, checkpoint };
  }

  /**
   * Fetches and verifies a consistency proof between two signed checkpoints.
   * @example await cairn.proveConsistency(older, newer); // throws if the log forked
   */
  async proveConsistency(older: Checkpoint, newer: Checkpoint): Promise<string[]> {
    if (older.size > newer.size) return this.proveConsistency(newer, older);
    const res = await this.#http.json<{ from: number; to: number; hashes: string[] }>('GET', `/api/v1/log/proof/consistency?from=${older.size}&to=${newer.size}`);
    try {
      verifyConsistency(older.size, newer.size, res.hashes.map(fromHex), older.rootHash, newer.rootHash);
    } catch (err) {
      throw new CairnVerificationError('fork_detected', `checkpoints of size ${older.size} and ${newer.size} are not consistent: the log forked or rewrote history`, { cause: err });
    }
    return res.hashes;
  }

  /** Verifies a signed note with the pinned key, checks it against the trusted checkpoint, trusts it. */
  async #accept(note: string): Promise<VerifiedCheckpoint> {
    const state = this.#trust.load(this.url);
    let key = this.#pinnedKey ?? state?.verifierKey;
    if (!key) key = (await this.key()).verifierKey; // trust on first use, then pinned
    if (state && state.verifierKey !== key) {
      throw new CairnVerificationError('key_changed', `this server was trusted with key ${state.verifierKey}; the key given now is ${key}. ${FORGET_HINT(this.url)}`);
    }
    let checkpoint: Checkpoint;
    try {
      checkpoint = verifyCheckpoint(note, key);
    } catch (err) {
      // Say so plainly if the server now presents another key than the one trusted before.
      const advertised = await this.key().then((k) => k.verifierKey, () => key);
      if (advertised !== key) {
        throw new CairnVerificationError('key_changed', `this server was trusted with key ${key}; it now presents ${advertised}. ${FORGET_HINT(this.url)}`, { cause: err });
      }
      const code = err instanceof VerifyError && err.code === 'origin_mismatch' ? 'origin_mismatch' : 'signature_invalid';
      throw new CairnVerificationError(code, `checkpoint does not verify with key ${key}: ${(err as Error).message}`, { cause: err });
    }
    const previous = state?.checkpoint;
    if (previous) {
      const older = { origin: checkpoint.origin, size: previous.size, rootHash: fromHex(previous.rootHash), extensions: [] };
      if (previous.size === checkpoint.size) {
        if (!bytesEqual(older.rootHash, checkpoint.rootHash)) {
          throw new CairnVerificationError('fork_detected', `two different roots signed for size ${checkpoint.size}: the log forked`);
        }
      } else if (checkpoint.size < previous.size) {
        // A smaller log than the one trusted: it must still prove that it is a prefix of it.
        // A server that cannot (it no longer has the larger tree) was rolled back or forked.
        await this.proveConsistency(checkpoint, older).catch((err: unknown) => {
          if (err instanceof CairnVerificationError) throw err;
          throw new CairnVerificationError('fork_detected', `the server presents a log of size ${checkpoint.size}, smaller than the size ${previous.size} trusted before, and cannot prove it a prefix: it was rolled back or forked`, { cause: err });
        });
      } else {
        await this.proveConsistency(older, checkpoint);
      }
    }
    const newest = !previous || checkpoint.size >= previous.size;
    this.#pinnedKey = key;
    this.#trust.save({
      url: this.url,
      origin: checkpoint.origin,
      verifierKey: key,
      checkpoint: newest ? { size: checkpoint.size, rootHash: toHex(checkpoint.rootHash), note } : previous,
    });
    return { ...checkpoint, note };
  }
}

interface RawEntry {
  index: number;
  entry: VerifiedEntry['entry'];
  leaf: string;
  leafHash: string;
}

/** An entry is trusted only if its leaf hash is the hash of its bytes and the bytes are its canonical JSON. */
function checkEntry(res: RawEntry, index: number): VerifiedEntry {
  if (res.index !== index) throw new CairnVerificationError('response_invalid', `asked for entry ${index}, got ${res.index}`);
  const leaf = decode(() => fromBase64(res.leaf));
  if (toHex(hashLeaf(leaf)) !== res.leafHash) throw new CairnVerificationError('leaf_mismatch', `leaf ${index}: hash does not match its bytes`);
  if (canonicalize(res.entry) !== Buffer.from(leaf).toString('utf8')) {
    throw new CairnVerificationError('leaf_mismatch', `leaf ${index}: bytes are not the canonical JSON of the entry`);
  }
  return { index, entry: res.entry, leaf, leafHash: res.leafHash };
}

function decode<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CairnVerificationError('response_invalid', `the server sent malformed data: ${(err as Error).message}`, { cause: err });
  }
}
