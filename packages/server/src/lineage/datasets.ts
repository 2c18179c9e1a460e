import crypto from 'node:crypto';
import { canonicalManifest, canonicalize, manifestDigest } from '@cairn/verify';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { actorOf } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import { normalisePrincipalId, personOf } from '../auth/person.js';
import type { Principals } from '../auth/principals.js';
import { refuse } from '../governance/refusals.js';
import { evaluateSeparation, type Decision } from '../policy/index.js';
import type { Actor, JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Database, DatasetVersionTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { evaluateCertification } from './dataset-rules.js';
import { addEdge, addNode, nodeKey } from './graph.js';
import type { ManifestSummary } from './manifest-accumulator.js';
import { checkManifest } from './manifest-check.js';
import { receiveManifest, type StreamedObjects } from './manifest-parts.js';
import type { ManifestPieces } from './manifest-sink.js';

export type DatasetState = DatasetVersionTable['state'];

export interface Exclusion {
  /** Which records or ranges were removed, by reference (ids, ranges, a filter) — never their content. */
  readonly records: string;
  readonly reason: string;
  readonly by?: string | undefined;
  /** A manual override of an automated rule: who decided, and why. */
  readonly manualOverride?: { readonly by: string; readonly reason: string } | undefined;
}

export interface Derivation {
  readonly inputs: readonly string[];
  readonly transform: { readonly repository: string; readonly commit: string; readonly parameters?: Record<string, unknown> | undefined };
  readonly exclusions?: readonly Exclusion[] | undefined;
}

export interface RegisterDataset extends DatasetMetadata {
  readonly objects: readonly { path: string; size: number; sha256: string }[];
}

/** Everything a registration says but the objects: the first line of a streamed upload. */
export interface DatasetMetadata {
  readonly name: string;
  readonly owner?: string | undefined;
  readonly sourceSystem?: string | undefined;
  readonly dataClasses: readonly string[];
  readonly legalBasis?: string | undefined;
  readonly consentStatus?: string | undefined;
  readonly retentionClass?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly derivedFrom?: Derivation | undefined;
}

export interface DatasetVersion {
  readonly digest: string;
  readonly name: string;
  readonly state: DatasetState;
  readonly owner: string | null;
  readonly sourceSystem: string | null;
  /** Classes in force: declared, plus those inherited from inputs, minus declassifications. */
  readonly dataClasses: readonly string[];
  readonly declaredClasses: readonly string[];
  readonly legalBasis: string | null;
  readonly consentStatus: string | null;
  readonly retentionClass: string | null;
  readonly tags: readonly string[];
  readonly objectCount: number;
  readonly totalBytes: number;
  readonly derivedFrom: Derivation | null;
  readonly declassifications: readonly { classes: string[]; reason: string; by: string; at: string; ledgerIndex: number; approvedBy?: string }[];
  /** A declassification of a two-person class that waits for a second steward. */
  readonly pendingDeclassification: PendingDeclassification | null;
  readonly registeredBy: string;
  readonly registeredAt: string;
  readonly ledgerIndex: number;
  readonly stateIndex: number;
  readonly certifiedAt: string | null;
}

export interface PendingDeclassification {
  readonly classes: string[];
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  readonly ledgerIndex: number;
}

const NEXT_STATES: Record<DatasetState, DatasetState[]> = { quarantine: ['certified', 'deprecated'], certified: ['deprecated'], deprecated: [] };

function toVersion(r: DatasetVersionTable): DatasetVersion {
  return {
    digest: r.digest,
    name: r.name,
    state: r.state,
    owner: r.owner,
    sourceSystem: r.source_system,
    dataClasses: JSON.parse(r.data_classes) as string[],
    declaredClasses: JSON.parse(r.declared_classes) as string[],
    legalBasis: r.legal_basis,
    consentStatus: r.consent_status,
    retentionClass: r.retention_class,
    tags: JSON.parse(r.tags) as string[],
    objectCount: Number(r.object_count),
    totalBytes: Number(r.total_bytes),
    derivedFrom: r.derivation === null ? null : (JSON.parse(r.derivation) as Derivation),
    declassifications: JSON.parse(r.declassifications) as DatasetVersion['declassifications'],
    pendingDeclassification: r.pending_declassification === null ? null : (JSON.parse(r.pending_declassification) as PendingDeclassification),
    registeredBy: r.registered_by,
    registeredAt: r.registered_at,
    ledgerIndex: Number(r.ledger_index),
    stateIndex: Number(r.state_index),
    certifiedAt: r.certified_at,
  };
}

const sha256 = (text: string) => `sha256:${crypto.createHash('sha256').update(text, 'utf8').digest('hex')}`;

/**
 * Dataset versions: registered in quarantine by manifest digest (the data never reaches Cairn),
 * certified by a steward after a policy check, deprecated; derivations name their inputs,
 * transform and exclusions, and inherit their inputs' data classes unless a steward records a
 * declassification. Every step is one ledger entry with its projection rows.
 */
export class Datasets {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #principals: Principals;
  readonly #pieces: ManifestPieces;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, principals: Principals, pieces: ManifestPieces) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#principals = principals;
    this.#pieces = pieces;
  }

  async register(actor: Actor, input: RegisterDataset): Promise<DatasetVersion> {
    const objects = checkManifest(input.objects);
    const checked = await this.#checkMetadata(input);
    const manifest = { digest: manifestDigest(objects), objectCount: objects.length, totalBytes: objects.reduce((n, o) => n + o.size, 0) };
    return this.#record(actor, input, checked, manifest, { manifest: canonicalManifest(objects), upload: null });
  }

  /**
   * A registration whose objects arrive as lines (sorted by path), for manifests too large to hold:
   * the metadata is checked before the first object is read, the manifest is stored in pieces as it
   * arrives (`manifest-parts.ts`: files beside the embedded store, rows in PostgreSQL), and the registration names them. Refused or cut short, nothing
   * stays: no entry, no row, no piece.
   */
  async registerStreamed(actor: Actor, input: DatasetMetadata, objects: StreamedObjects): Promise<DatasetVersion> {
    const checked = await this.#checkMetadata(input);
    const received = await receiveManifest(this.#pieces, objects);
    try {
      return await this.#record(actor, input, checked, received, { manifest: '', upload: received.upload });
    } catch (err) {
      await received.discard().catch(() => undefined);
      throw err;
    }
  }

  /** Classes known to the policy, inputs registered: the classes in force. */
  async #checkMetadata(input: DatasetMetadata): Promise<{ dataClasses: string[] }> {
    const { policy } = await this.#policies.active();
    const unknownClasses = input.dataClasses.filter((c) => !Object.hasOwn(policy.pack.data_classes, c));
    if (unknownClasses.length > 0) {
      throw new CairnError('unknown_data_class', `data classes not declared in the active policy: ${unknownClasses.join(', ')}`, {
        details: { unknown: unknownClasses, known: Object.keys(policy.pack.data_classes) },
      });
    }
    const derivation = input.derivedFrom;
    let inherited: string[] = [];
    if (derivation) {
      const inputs = await this.#many(derivation.inputs);
      const missing = derivation.inputs.filter((d) => !inputs.has(d));
      if (missing.length > 0) throw new CairnError('unknown_dataset', `inputs not registered: ${missing.join(', ')}`, { details: { missing } });
      inherited = [...inputs.values()].flatMap((v) => v.dataClasses);
    }
    return { dataClasses: [...new Set([...input.dataClasses, ...inherited])].sort() };
  }

  async #record(actor: Actor, input: DatasetMetadata, checked: { dataClasses: string[] }, manifest: ManifestSummary, stored: { manifest: string; upload: string | null }): Promise<DatasetVersion> {
    const { digest, objectCount, totalBytes } = manifest;
    const existing = await this.find(digest);
    if (existing) throw new CairnError('dataset_exists', `dataset version ${digest} is already registered as ${existing.name}`, { details: { dataset: existing } });
    const { dataClasses } = checked;
    const derivation = input.derivedFrom;
    const exclusions = derivation?.exclusions ?? [];
    // Exclusions may name records (patient ids, account numbers): the ledger keeps a commitment.
    const derivationBody = derivation && {
      inputs: [...derivation.inputs],
      transform: derivation.transform as unknown as JsonObject,
      exclusionCount: exclusions.length,
      exclusionsDigest: sha256(canonicalize(exclusions)),
    };
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: 'dataset.registered',
          subject: nodeKey('dataset', digest),
          body: {
            digest,
            name: input.name,
            state: 'quarantine',
            objectCount,
            totalBytes,
            dataClasses,
            owner: input.owner ?? null,
            sourceSystem: input.sourceSystem ?? null,
            legalBasis: input.legalBasis ?? null,
            consentStatus: input.consentStatus ?? null,
            retentionClass: input.retentionClass ?? null,
            tags: [...(input.tags ?? [])],
            derivedFrom: (derivationBody ?? null) as JsonObject | null,
          },
        },
      ],
      apply: async (trx, [entry]) => {
        const index = entry!.index;
        await trx
          .insertInto('dataset_versions')
          .values({
            digest,
            name: input.name,
            state: 'quarantine',
            owner: input.owner ?? null,
            source_system: input.sourceSystem ?? null,
            data_classes: JSON.stringify(dataClasses),
            declared_classes: JSON.stringify([...input.dataClasses].sort()),
            legal_basis: input.legalBasis ?? null,
            consent_status: input.consentStatus ?? null,
            retention_class: input.retentionClass ?? null,
            tags: JSON.stringify(input.tags ?? []),
            object_count: objectCount,
            total_bytes: totalBytes,
            derivation: derivation ? JSON.stringify({ ...derivation, exclusions }) : null,
            declassifications: '[]',
            pending_declassification: null,
            registered_by: actor.id,
            registered_at: entry!.entry.time,
            ledger_index: index,
            state_index: index,
            certified_at: null,
          })
          .execute();
        await trx.insertInto('dataset_manifests').values({ digest, ...stored }).execute();
        await addNode(trx, nodeKey('dataset', digest), 'dataset', input.name, index);
        for (const from of derivation?.inputs ?? []) await addEdge(trx, nodeKey('dataset', from), nodeKey('dataset', digest), 'derived_into', index);
      },
    });
    return this.get(digest);
  }

  /** quarantine → certified, by a steward, only if the certification policy passes (every failure listed). */
  async certify(principal: Principal, digest: string, reason: string): Promise<{ dataset: DatasetVersion; decision: Decision }> {
    const dataset = await this.get(digest);
    this.#requireTransition(dataset, 'certified');
    if (dataset.pendingDeclassification) {
      throw new CairnError('invalid_state', `dataset ${digest} has a declassification of ${dataset.pendingDeclassification.classes.join(', ')} waiting for a second steward; approve or withdraw it first`, { details: { state: 'declassification_pending', allowed: [] } });
    }
    const { policy } = await this.#policies.active();
    const inputs = dataset.derivedFrom ? [...(await this.#many(dataset.derivedFrom.inputs)).values()].map((v) => ({ digest: v.digest, state: v.state })) : [];
    const d = evaluateCertification(policy, { digest, owner: dataset.owner, dataClasses: dataset.dataClasses, legalBasis: dataset.legalBasis, objectCount: dataset.objectCount, inputs });
    const actor = actorOf(principal);
    if (!d.allowed) {
      const recorded = await this.#ledger.refusals.record(actor, { kind: 'dataset.certification_refused', subject: nodeKey('dataset', digest), body: { digest, reason, decision: d as unknown as JsonObject } });
      throw new CairnError('certification_failed', `dataset ${digest} fails certification: ${d.reasons.join('; ')}`, { details: { decision: d, ...recorded } });
    }
    await this.#transition(actor, dataset, 'certified', reason, { decision: d as unknown as JsonObject });
    return { dataset: await this.get(digest), decision: d };
  }

  async deprecate(actor: Actor, digest: string, reason: string): Promise<DatasetVersion> {
    const dataset = await this.get(digest);
    this.#requireTransition(dataset, 'deprecated');
    await this.#transition(actor, dataset, 'deprecated', reason, {});
    return this.get(digest);
  }

  /**
   * A steward removes inherited classes from a derived version still in quarantine, with a reason.
   * For a class whose policy asks for two persons (`two_person_declassification`), this only
   * proposes the removal: another steward — who neither proposed it nor registered the dataset —
   * approves it (`approveDeclassification`), and until then the classes stay and the dataset
   * cannot be certified.
   */
  async declassify(actor: Actor, digest: string, classes: readonly string[], reason: string): Promise<DatasetVersion> {
    const dataset = await this.get(digest);
    if (dataset.state !== 'quarantine') {
      throw new CairnError('invalid_state', `dataset ${digest} is ${dataset.state}; classes can only change in quarantine`, { details: { state: dataset.state, allowed: [] } });
    }
    if (dataset.pendingDeclassification) throw new CairnError('invalid_state', `dataset ${digest} already has a declassification waiting for a second steward`, { details: { state: 'declassification_pending', allowed: [] } });
    const absent = classes.filter((c) => !dataset.dataClasses.includes(c));
    if (absent.length > 0) throw new CairnError('invalid_request', `dataset ${digest} does not carry ${absent.join(', ')}`);
    const { policy } = await this.#policies.active();
    const twoPerson = classes.filter((c) => policy.pack.data_classes[c]?.two_person_declassification === true);
    const by = personOf(actor);
    if (twoPerson.length > 0) {
      await this.#ledger.append({
        actor,
        entries: [{ kind: 'dataset.declassification_proposed', subject: nodeKey('dataset', digest), body: { digest, classes: [...classes], twoPerson, reason } }],
        apply: async (trx, [entry]) => {
          const row = await this.#lockedRow(trx, digest);
          if (row.state !== 'quarantine' || row.pending_declassification !== null || row.data_classes !== JSON.stringify(dataset.dataClasses)) throw new CairnError('invalid_state', `dataset ${digest} changed meanwhile; try again`);
          const pending: PendingDeclassification = { classes: [...classes], reason, by, at: entry!.entry.time, ledgerIndex: entry!.index };
          await trx.updateTable('dataset_versions').set({ pending_declassification: JSON.stringify(pending) }).where('digest', '=', digest).execute();
        },
      });
      return this.get(digest);
    }
    await this.#removeClasses(actor, dataset, { classes: [...classes], reason, by, at: '', ledgerIndex: -1 }, null);
    return this.get(digest);
  }

  /** The second steward's half of a two-person declassification. */
  async approveDeclassification(principal: Principal, digest: string, reason: string): Promise<{ dataset: DatasetVersion; decision: Decision }> {
    const dataset = await this.get(digest);
    const pending = dataset.pendingDeclassification;
    if (!pending) throw new CairnError('invalid_state', `dataset ${digest} has no declassification waiting for approval`, { details: { state: dataset.state, allowed: [] } });
    const { policy } = await this.#policies.active();
    const actor = actorOf(principal);
    // The registrant as a person: a dataset registered through a service account was registered by its owner.
    const registrant = (await this.#principals.resolve(dataset.registeredBy))?.person ?? normalisePrincipalId(dataset.registeredBy);
    const d = evaluateSeparation('dataset.declassify', 'approve it', personOf(principal), [
      { part: 'declassifier', persons: [pending.by], did: `proposed declassifying ${pending.classes.join(', ')}` },
      { part: 'registrant', persons: [registrant], did: 'registered this dataset' },
    ], policy.hash);
    if (!d.allowed) await refuse(this.#ledger, actor, { kind: 'dataset.declassification_refused', subject: nodeKey('dataset', digest), body: { digest, classes: pending.classes } }, d);
    await this.#removeClasses(actor, dataset, pending, { approvedBy: personOf(principal), reason, decision: d });
    return { dataset: await this.get(digest), decision: d };
  }

  async #removeClasses(actor: Actor, dataset: DatasetVersion, change: PendingDeclassification, approval: { approvedBy: string; reason: string; decision: Decision } | null): Promise<void> {
    const { digest } = dataset;
    const remaining = dataset.dataClasses.filter((c) => !change.classes.includes(c));
    const body: JsonObject = { digest, removed: [...change.classes], remaining, reason: change.reason };
    if (approval) Object.assign(body, { proposedBy: change.by, proposalIndex: change.ledgerIndex, approvalReason: approval.reason, decision: approval.decision as unknown as JsonObject });
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'dataset.declassified', subject: nodeKey('dataset', digest), body }],
      apply: async (trx, [entry]) => {
        const row = await this.#lockedRow(trx, digest);
        const pendingNow = row.pending_declassification === null ? null : (JSON.parse(row.pending_declassification) as PendingDeclassification);
        if (row.state !== 'quarantine' || row.data_classes !== JSON.stringify(dataset.dataClasses) || pendingNow?.ledgerIndex !== (approval ? change.ledgerIndex : undefined)) {
          throw new CairnError('invalid_state', `dataset ${digest} changed meanwhile; try again`);
        }
        const record = approval
          ? { classes: change.classes, reason: change.reason, by: change.by, at: entry!.entry.time, ledgerIndex: entry!.index, approvedBy: approval.approvedBy }
          : { classes: change.classes, reason: change.reason, by: change.by, at: entry!.entry.time, ledgerIndex: entry!.index };
        const log = [...(JSON.parse(row.declassifications) as unknown[]), record];
        await trx.updateTable('dataset_versions').set({ data_classes: JSON.stringify(remaining), declassifications: JSON.stringify(log), pending_declassification: null }).where('digest', '=', digest).execute();
      },
    });
  }

  async get(digest: string): Promise<DatasetVersion> {
    const found = await this.find(digest);
    if (!found) throw new CairnError('dataset_not_found', `no dataset version ${digest}`);
    return found;
  }

  async find(digest: string): Promise<DatasetVersion | undefined> {
    const row = await this.#store.db.selectFrom('dataset_versions').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && toVersion(row);
  }

  /** The canonical manifest text, in pieces (one for a manifest registered as JSON). */
  async manifest(digest: string): Promise<AsyncIterable<string>> {
    const row = await this.#store.db.selectFrom('dataset_manifests').select(['manifest', 'upload']).where('digest', '=', digest).executeTakeFirst();
    if (!row) throw new CairnError('dataset_not_found', `no dataset version ${digest}`);
    if (row.upload === null) return (async function* () { yield row.manifest; })();
    return this.#pieces.read(row.upload);
  }

  async list(filter: { name?: string | undefined; state?: DatasetState | undefined; limit?: number | undefined }): Promise<DatasetVersion[]> {
    let q = this.#store.db.selectFrom('dataset_versions').selectAll().orderBy('ledger_index', 'desc').limit(filter.limit ?? 100);
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.state) q = q.where('state', '=', filter.state);
    return (await q.execute()).map(toVersion);
  }

  async #many(digests: readonly string[]): Promise<Map<string, DatasetVersion>> {
    if (digests.length === 0) return new Map();
    const rows = await this.#store.db.selectFrom('dataset_versions').selectAll().where('digest', 'in', [...digests]).execute();
    return new Map(rows.map((r) => [r.digest, toVersion(r)]));
  }

  #requireTransition(dataset: DatasetVersion, to: DatasetState): void {
    if (!NEXT_STATES[dataset.state].includes(to)) {
      throw new CairnError('invalid_state', `dataset ${dataset.digest} is ${dataset.state}; it cannot become ${to}`, {
        details: { state: dataset.state, allowed: NEXT_STATES[dataset.state] },
      });
    }
  }

  async #lockedRow(trx: Kysely<Database>, digest: string): Promise<DatasetVersionTable> {
    return this.#store.forUpdate(trx.selectFrom('dataset_versions').selectAll().where('digest', '=', digest)).executeTakeFirstOrThrow();
  }

  async #transition(actor: Actor, dataset: DatasetVersion, to: DatasetState, reason: string, extra: JsonObject): Promise<void> {
    await this.#ledger.append({
      actor,
      entries: [{ kind: `dataset.${to}`, subject: nodeKey('dataset', dataset.digest), body: { digest: dataset.digest, from: dataset.state, to, reason, ...extra } }],
      apply: async (trx, [entry]) => {
        // Checked again inside the transaction: two concurrent transitions cannot both apply.
        const row = await this.#lockedRow(trx, dataset.digest);
        if (!NEXT_STATES[row.state].includes(to)) {
          throw new CairnError('invalid_state', `dataset ${dataset.digest} is ${row.state}; it cannot become ${to}`, { details: { state: row.state, allowed: NEXT_STATES[row.state] } });
        }
        await trx
          .updateTable('dataset_versions')
          .set({ state: to, state_index: entry!.index, ...(to === 'certified' ? { certified_at: entry!.entry.time } : {}) })
          .where('digest', '=', dataset.digest)
          .execute();
      },
    });
  }
}
