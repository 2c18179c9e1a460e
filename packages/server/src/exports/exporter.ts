import crypto from 'node:crypto';
import fs from 'node:fs';
import { inclusionProofShape } from '@cairn/verify';
import { CairnError } from '../errors/catalog.js';
import { loadPolicy } from '../policy/load.js';
import type { PolicyPack } from '../policy/pack.js';
import type { Actor, Entry, JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { StoredCheckpoint } from '../ledger/checkpointer.js';
import { inclusionPlan } from '../ledger/tree-math.js';
import { foldRange, readNodes } from '../ledger/tree-reader.js';
import type { Store } from '../store/store.js';
import type { ExportTable } from '../store/schema.js';
import { buildControls, controlsJson } from './controls.js';
import type { EvidenceFile, ExportFacts, ExportScope, LogFacts } from './facts.js';
import { FactsBuilder, type WantedDocument } from './facts-builder.js';
import { entryPath, estimatedEntryBytes, manifestJson, manifestNoteText, measure, PackageWriter, sha256sums, tlogProof, type PackageFile } from './package-writer.js';
import { reportHtml } from './report.js';
import { resolveScope } from './scope.js';

export interface ExportRequest {
  readonly scope: ExportScope;
  readonly reason: string;
  /** Prove into this existing signed checkpoint; by default a fresh one covering the request. */
  readonly checkpoint?: number | undefined;
}

export interface ExportRecord {
  readonly id: string;
  readonly scope: ExportScope;
  readonly reason: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly requestIndex: number;
  readonly checkpointSize: number;
  readonly entries: number;
  readonly state: ExportTable['state'];
  readonly sha256: string | null;
  readonly size: number | null;
  readonly completionIndex: number | null;
  readonly error: string | null;
}

export interface StartedExport {
  readonly record: ExportRecord;
  /** A rough size of the archive, for progress bars. */
  readonly estimatedSize: number;
  /** The archive, produced as it is consumed; `export.completed` is recorded after its last byte. */
  readonly body: AsyncGenerator<Uint8Array, void, undefined>;
}

/** What the first pass produces for the second. */
interface Prepared {
  readonly facts: ExportFacts;
  readonly documents: readonly WantedDocument[];
  readonly controls: string;
  readonly report: string;
  readonly estimatedSize: number;
}

const BATCH = 256;
const VERIFY_MD = new URL('../../../assets/VERIFY.md', import.meta.url);

/**
 * Compliance packages. The request is a ledger entry before anything is built; the archive is
 * then written as it is consumed (two passes over the scope's entries: one for the facts the
 * report states, one for the leaves and proofs), and its SHA-256 is recorded when it is done.
 */
export class Exports {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies = new Map<string, PolicyPack>();
  #verifyMd: string | undefined;

  constructor(store: Store, ledger: Ledger) {
    this.#store = store;
    this.#ledger = ledger;
  }

  async start(actor: Actor, request: ExportRequest): Promise<StartedExport> {
    const scope = normaliseScope(request.scope);
    // Refuse what cannot be built before recording anything.
    const pinned = request.checkpoint === undefined ? undefined : await this.#ledger.checkpointAt(request.checkpoint);
    const probeSize = pinned?.size ?? (await this.#ledger.size());
    const probe = await resolveScope(this.#store.db, scope, probeSize);
    if (probe.length === 0) {
      throw new CairnError('nothing_in_scope', `no entry below tree size ${probeSize} is in scope ${describeScope(scope)}`, { details: { scope: scope as unknown as JsonObject, treeSize: probeSize } });
    }
    const id = `exp_${crypto.randomBytes(9).toString('base64url')}`;
    const requested = await this.#ledger.append({
      actor,
      entries: [{ kind: 'export.requested', subject: `export:${id}`, body: { id, scope: scope as unknown as JsonObject, reason: request.reason, checkpoint: request.checkpoint ?? null } }],
      apply: async (trx, [entry]) => {
        await trx
          .insertInto('exports')
          .values({ id, scope: JSON.stringify(scope), reason: request.reason, requested_by: actor.id, requested_at: entry!.entry.time, request_index: entry!.index, checkpoint_size: pinned?.size ?? 0, entries: 0, state: 'building', sha256: null, size: null, completion_index: null, error: null })
          .execute();
      },
    });
    const requestIndex = requested.entries[0]!.index;
    try {
      const checkpoint = pinned ?? (await this.#checkpointCovering(requestIndex));
      // Below a pinned checkpoint the scope is what the probe found; a fresh one also covers what came since.
      const indices = pinned ? probe : await resolveScope(this.#store.db, scope, checkpoint.size);
      const prepared = await this.#prepare(scope, checkpoint, indices);
      await this.#store.db.updateTable('exports').set({ checkpoint_size: checkpoint.size, entries: indices.length }).where('id', '=', id).execute();
      return { record: await this.get(id), estimatedSize: prepared.estimatedSize, body: this.#write(actor, id, checkpoint, indices, prepared) };
    } catch (err) {
      await this.#fail(actor, id, err);
      throw err;
    }
  }

  async get(id: string): Promise<ExportRecord> {
    const row = await this.#store.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CairnError('export_not_found', `no export ${id}`);
    return toRecord(row);
  }

  async list(limit = 100): Promise<ExportRecord[]> {
    const rows = await this.#store.db.selectFrom('exports').selectAll().orderBy('request_index', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** A signed checkpoint that includes the request entry (signing one if needed). */
  async #checkpointCovering(index: number): Promise<StoredCheckpoint> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const latest = (await this.#ledger.checkpoints.signIfGrown()) ?? (await this.#ledger.checkpoints.latest());
      if (latest && latest.size > index) return latest;
    }
    throw new CairnError('internal', `no checkpoint covers entry ${index}`);
  }

  /** First pass: the facts, the documents, controls.json and report.html. */
  async #prepare(scope: ExportScope, checkpoint: StoredCheckpoint, indices: readonly number[]): Promise<Prepared> {
    const builder = new FactsBuilder(await this.#policyPacks());
    let estimatedSize = 64 * 1024;
    const proofHashes = (i: number) => {
      const shape = inclusionProofShape(i, checkpoint.size);
      return shape.inner + shape.border;
    };
    for (let i = 0; i < indices.length; i += BATCH) {
      for (const { index, leaf } of await this.#leaves(indices.slice(i, i + BATCH))) {
        builder.add(index, JSON.parse(Buffer.from(leaf).toString('utf8')) as Entry);
        estimatedSize += estimatedEntryBytes(leaf.length, proofHashes(index), checkpoint.note.length);
      }
    }
    const documents = builder.documents();
    const evidence: EvidenceFile[] = [];
    for (const doc of documents) {
      const content = await this.#document(doc);
      evidence.push({ path: doc.path, digest: doc.digest, mediaType: doc.mediaType, size: content.length, kind: doc.kind, title: doc.title, committedBy: doc.committedBy });
      estimatedSize += content.length + 1024;
    }
    const facts: ExportFacts = builder.build(scope, await this.#logFacts(checkpoint), evidence);
    const controls = buildControls(facts);
    const report = reportHtml(facts, controls);
    estimatedSize += report.length * 2;
    return { facts, documents, controls: controlsJson(controls), report, estimatedSize };
  }

  /** Second pass: the archive, member by member in name order. */
  async *#write(actor: Actor, id: string, checkpoint: StoredCheckpoint, indices: readonly number[], prepared: Prepared): AsyncGenerator<Uint8Array, void, undefined> {
    let done = false;
    try {
      const { facts } = prepared;
      const out = new PackageWriter(Math.floor(Date.parse(facts.log.asOf) / 1000));
      yield* out.add('VERIFY.md', this.#verifyText());
      yield* out.add('checkpoint', checkpoint.note);
      yield* out.add('controls.json', prepared.controls);
      for (let i = 0; i < indices.length; i += BATCH) {
        const batch = indices.slice(i, i + BATCH);
        const [leaves, proofs] = await Promise.all([this.#leaves(batch), this.#proofs(batch, checkpoint.size)]);
        for (const { index, leaf } of leaves) {
          yield* out.add(entryPath(index, 'json'), leaf);
          yield* out.add(entryPath(index, 'tlog-proof'), tlogProof(index, proofs.get(index)!, checkpoint.note));
        }
      }
      for (const doc of prepared.documents) yield* out.add(doc.path, await this.#document(doc));
      yield* out.add('keys/log.pem', crypto.createPublicKey({ key: Buffer.from(this.#ledger.signer.spki), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString());
      yield* out.add('keys/log.vkey', `${this.#ledger.signer.verifierKey}\n`);
      // report.html and sha256sums sort after the manifest but are listed in it: known in advance.
      const report = Buffer.from(prepared.report, 'utf8');
      const reportFile: PackageFile = { path: 'report.html', sha256: crypto.hash('sha256', report, 'hex'), size: report.length };
      const before = out.files.length;
      const summed = function* (): Generator<PackageFile> {
        for (let i = 0; i < before; i += 1) yield out.files.get(i);
        yield reportFile;
      };
      const sums = measure(sha256sums(summed()));
      const sumsFile: PackageFile = { path: 'sha256sums', ...sums };
      const log = { origin: facts.log.origin, treeSize: facts.log.treeSize, rootHash: facts.log.rootHash, verifierKey: facts.log.verifierKey };
      yield* out.addGenerated('manifest.json', () =>
        manifestJson({ log, scope: facts.scope, entries: indices.length }, (function* () {
          yield* summed();
          yield sumsFile;
        })()),
      );
      const manifest = out.files.get(out.files.length - 1);
      yield* out.add('manifest.sig', this.#ledger.signer.signNote(manifestNoteText(facts.log.origin, manifest.sha256)));
      yield* out.add('report.html', report);
      yield* out.addGenerated('sha256sums', () => sha256sums(summed()));
      if (out.files.get(out.files.length - 1).sha256 !== sumsFile.sha256) throw new CairnError('internal', 'sha256sums changed between the manifest and the archive');
      const end = out.finish();
      yield* end.chunks;
      await this.#ledger.append({
        actor,
        entries: [{ kind: 'export.completed', subject: `export:${id}`, body: { id, sha256: `sha256:${end.sha256}`, size: end.size, entries: indices.length, checkpoint: checkpoint.size, files: out.files.length } }],
        apply: async (trx, [entry]) => {
          await trx.updateTable('exports').set({ state: 'completed', sha256: `sha256:${end.sha256}`, size: end.size, completion_index: entry!.index }).where('id', '=', id).execute();
        },
      });
      done = true;
    } catch (err) {
      done = true;
      await this.#fail(actor, id, err);
      throw err;
    } finally {
      // The consumer stopped reading (a client hung up): the package was never delivered.
      if (!done) await this.#fail(actor, id, new Error('the package was not read to the end'));
    }
  }

  async #fail(actor: Actor, id: string, err: unknown): Promise<void> {
    const message = err instanceof CairnError ? err.code : 'internal';
    const reason = err instanceof Error && !(err instanceof CairnError) && err.message === 'the package was not read to the end' ? 'aborted' : message;
    try {
      await this.#ledger.append({
        actor,
        entries: [{ kind: 'export.failed', subject: `export:${id}`, body: { id, error: reason } }],
        apply: async (trx) => {
          await trx.updateTable('exports').set({ state: 'failed', error: reason }).where('id', '=', id).where('state', '=', 'building').execute();
        },
      });
    } catch {
      // Recording the failure failed too (the store is gone): the original error is what matters.
    }
  }

  async #leaves(indices: readonly number[]): Promise<{ index: number; leaf: Uint8Array }[]> {
    if (indices.length === 0) return [];
    const contiguous = indices[indices.length - 1]! - indices[0]! === indices.length - 1;
    let q = this.#store.db.selectFrom('log_entries').select(['idx', 'leaf']);
    q = contiguous ? q.where('idx', '>=', indices[0]!).where('idx', '<=', indices[indices.length - 1]!) : q.where('idx', 'in', [...indices]);
    const rows = await q.orderBy('idx', 'asc').execute();
    if (rows.length !== indices.length) throw new CairnError('store_inconsistent', `entries missing among ${indices[0]}…${indices[indices.length - 1]}`);
    return rows.map((r) => ({ index: Number(r.idx), leaf: r.leaf }));
  }

  /** Inclusion proofs of a batch into one tree size, from one read of the nodes they need. */
  async #proofs(indices: readonly number[], size: number): Promise<Map<number, Uint8Array[]>> {
    const plans = indices.map((i) => inclusionPlan(i, size));
    const nodes = await readNodes(this.#store.db, plans.flat(2));
    return new Map(indices.map((i, k) => [i, plans[k]!.map((range) => foldRange(range, nodes))]));
  }

  async #document(doc: WantedDocument): Promise<Uint8Array> {
    const db = this.#store.db;
    let content: Uint8Array | undefined;
    if (doc.source.from === 'evidence') {
      content = (await db.selectFrom('evidence_documents').select('content').where('digest', '=', doc.digest).executeTakeFirst())?.content;
    } else if (doc.source.from === 'model-card') {
      const card = (await db.selectFrom('model_versions').select('model_card').where('id', '=', doc.source.versionId).executeTakeFirst())?.model_card;
      content = card === undefined ? undefined : Buffer.from(card, 'utf8');
    } else {
      const bundle = (await db.selectFrom('training_runs').select('bundle').where('id', '=', doc.source.runId).executeTakeFirst())?.bundle;
      content = bundle === undefined || bundle === null ? undefined : Buffer.from(bundle, 'utf8');
    }
    if (!content || `sha256:${crypto.hash('sha256', content, 'hex')}` !== doc.digest) {
      throw new CairnError('store_inconsistent', `the document ${doc.digest} an entry commits to is missing or altered in the store`);
    }
    return content;
  }

  async #policyPacks(): Promise<Map<string, PolicyPack>> {
    const rows = await this.#store.db.selectFrom('policy_versions').select(['hash', 'source']).execute();
    for (const r of rows) {
      if (this.#policies.has(r.hash)) continue;
      try {
        this.#policies.set(r.hash, loadPolicy(r.source).pack);
      } catch {
        // A pack that no longer parses (an older schema) cannot say which approvals were needed.
      }
    }
    return this.#policies;
  }

  async #logFacts(checkpoint: StoredCheckpoint): Promise<LogFacts> {
    const signer = this.#ledger.signer;
    const last = await this.#ledger.entry(checkpoint.size - 1);
    return {
      origin: signer.name,
      treeSize: checkpoint.size,
      rootHash: Buffer.from(checkpoint.rootHash).toString('base64'),
      verifierKey: signer.verifierKey,
      keyFingerprint: crypto.hash('sha256', signer.spki, 'hex'),
      asOf: last.entry.time,
    };
  }

  #verifyText(): string {
    this.#verifyMd ??= fs.readFileSync(VERIFY_MD, 'utf8');
    return this.#verifyMd;
  }
}

/** Scopes in one form: keys in a fixed order; times RFC 3339 UTC with milliseconds, as entries carry them, so that range bounds compare as text. */
export function normaliseScope(scope: ExportScope): ExportScope {
  // Fresh objects in a fixed key order: the scope is written into manifest.json, byte for byte.
  if (scope.kind === 'model') return { kind: 'model', model: scope.model, version: scope.version };
  if (scope.kind === 'subject') return { kind: 'subject', subject: scope.subject };
  const from = Date.parse(scope.from);
  const to = Date.parse(scope.to);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new CairnError('invalid_request', 'from and to must be RFC 3339 date-times', { details: [{ path: '/scope', message: 'from and to must be RFC 3339 date-times' }] });
  if (from >= to) throw new CairnError('invalid_range', `from (${scope.from}) is not before to (${scope.to})`, { details: { from: scope.from, to: scope.to } });
  return { kind: 'time', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export function describeScope(scope: ExportScope): string {
  switch (scope.kind) {
    case 'model':
      return `${scope.model}@${scope.version}`;
    case 'time':
      return `${scope.from}…${scope.to}`;
    case 'subject':
      return scope.subject;
  }
}

function toRecord(row: ExportTable): ExportRecord {
  return {
    id: row.id,
    scope: JSON.parse(row.scope) as ExportScope,
    reason: row.reason,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    requestIndex: Number(row.request_index),
    checkpointSize: Number(row.checkpoint_size),
    entries: Number(row.entries),
    state: row.state,
    sha256: row.sha256,
    size: row.size === null ? null : Number(row.size),
    completionIndex: row.completion_index === null ? null : Number(row.completion_index),
    error: row.error,
  };
}
