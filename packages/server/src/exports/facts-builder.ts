import { personOf } from '../auth/person.js';
import type { PolicyPack } from '../policy/pack.js';
import type { Entry, JsonObject, JsonValue } from '../ledger/entry.js';
import {
  TIMELINE_LIMIT,
  type ApprovalFact,
  type DatasetFact,
  type DeploymentFact,
  type EvidenceFile,
  type ExportFacts,
  type ExportScope,
  type LogFacts,
  type ModelFact,
  type PolicyFact,
  type RefusalFact,
  type RunFact,
  type TimelineItem,
  type VersionFact,
  type WaiverFact,
} from './facts.js';

/** A document an entry in the package commits to by SHA-256, to be read from the store and packed. */
export interface WantedDocument {
  readonly digest: string;
  readonly source: { readonly from: 'evidence' } | { readonly from: 'model-card'; readonly versionId: string } | { readonly from: 'bundle'; readonly runId: string };
  readonly mediaType: string;
  readonly kind: string;
  readonly title: string;
  readonly path: string;
  readonly committedBy: number[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type VersionState = Omit<Mutable<VersionFact>, 'evidence' | 'approvals' | 'waivers' | 'refusals'> & {
  model: string;
  evidence: Mutable<VersionFact>['evidence'];
  approvals: Mutable<ApprovalFact>[];
  waivers: Mutable<WaiverFact>[];
  refusals: RefusalFact[];
};

const EXTENSIONS: Record<string, string> = {
  'application/json': 'json',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/csv': 'csv',
  'text/html': 'html.txt', // never rendered by a browser straight out of the archive
  'application/vnd.in-toto+json': 'intoto.json',
};

/** `evidence/HEX.EXT`: named by content digest, with an extension from the media type. */
export function evidencePath(digest: string, mediaType: string, dsse = false): string {
  const hex = digest.replace(/^sha256:/, '');
  const ext = dsse ? 'dsse.json' : (EXTENSIONS[mediaType.split(';')[0]!.trim().toLowerCase()] ?? 'bin');
  return `evidence/${hex}.${ext}`;
}

const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
const strs = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: JsonValue | undefined): JsonObject | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null);
const reasonsOf = (body: JsonObject): string[] => strs(obj(body['decision'])?.['reasons']);

/**
 * Folds the entries of a package, in index order, into the facts its report states. Everything
 * comes from the entries themselves (and, for approval rules, the policy pack whose hash the
 * decision names), never from the store's current state: the report describes the log as of the
 * package's checkpoint, and anyone can recompute it from the package.
 */
export class FactsBuilder {
  readonly #policies: ReadonlyMap<string, PolicyPack>;
  #count = 0;
  #first: TimelineItem | null = null;
  #last: TimelineItem | null = null;
  readonly #byKind = new Map<string, number>();
  readonly #timeline: TimelineItem[] = [];
  readonly #models = new Map<string, Mutable<Omit<ModelFact, 'versions'>>>();
  readonly #versions = new Map<string, VersionState>();
  readonly #datasets = new Map<string, Mutable<DatasetFact>>();
  readonly #runs = new Map<string, Mutable<RunFact>>();
  readonly #deployments = new Map<string, Mutable<DeploymentFact>>();
  readonly #policyFacts = new Map<string, Mutable<PolicyFact>>();
  readonly #documents = new Map<string, WantedDocument>();

  /** `policies`: every known policy pack by hash, to know which approvals a risk tier needs. */
  constructor(policies: ReadonlyMap<string, PolicyPack>) {
    this.#policies = policies;
  }

  add(index: number, entry: Entry): void {
    const item: TimelineItem = {
      index,
      time: entry.time,
      kind: entry.kind,
      subject: entry.subject ?? null,
      actor: entry.actor.id,
      ...(entry.actor.elevation ? { elevation: entry.actor.elevation } : {}),
    };
    this.#count += 1;
    this.#first ??= item;
    this.#last = item;
    this.#byKind.set(entry.kind, (this.#byKind.get(entry.kind) ?? 0) + 1);
    if (this.#timeline.length < TIMELINE_LIMIT) this.#timeline.push(item);
    const [area] = entry.kind.split('.', 1);
    if (area === 'model' || entry.subject?.startsWith('model-version:')) this.#model(index, entry);
    else if (area === 'dataset') this.#dataset(index, entry);
    else if (area === 'run') this.#run(index, entry);
    else if (area === 'deployment') this.#deployment(index, entry);
    else if (area === 'policy') this.#policy(index, entry);
  }

  /** The documents the entries commit to, sorted by path. */
  documents(): WantedDocument[] {
    return [...this.#documents.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  build(scope: ExportScope, log: LogFacts, evidence: readonly EvidenceFile[]): ExportFacts {
    const versionsByModel = new Map<string, VersionState[]>();
    for (const v of this.#versions.values()) versionsByModel.set(v.model, [...(versionsByModel.get(v.model) ?? []), v]);
    const modelNames = new Set([...this.#models.keys(), ...versionsByModel.keys()]);
    const models = [...modelNames].sort().map((name) => {
      const m = this.#models.get(name) ?? { name, owner: '', useCase: '', riskTier: '', description: '', createdBy: '', createdAt: '', ledgerIndex: -1 };
      const versions = (versionsByModel.get(name) ?? []).map(({ model: _model, ...v }) => v);
      return { ...m, versions };
    });
    return {
      scope,
      log,
      entries: {
        count: this.#count,
        first: this.#first,
        last: this.#last,
        byKind: [...this.#byKind].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, count]) => ({ kind, count })),
      },
      timeline: this.#timeline,
      timelineTruncated: this.#count > this.#timeline.length,
      models,
      datasets: [...this.#datasets.values()],
      runs: [...this.#runs.values()],
      deployments: [...this.#deployments.values()],
      policies: [...this.#policyFacts.values()],
      evidence,
    };
  }

  #want(digest: string | null, index: number, doc: Omit<WantedDocument, 'digest' | 'committedBy' | 'path'>): string | null {
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) return null;
    const known = this.#documents.get(digest);
    if (known) {
      known.committedBy.push(index);
      return known.path;
    }
    const path = evidencePath(digest, doc.mediaType, doc.source.from === 'bundle');
    this.#documents.set(digest, { ...doc, digest, path, committedBy: [index] });
    return path;
  }

  #model(index: number, e: Entry): void {
    const b = e.body;
    if (e.kind === 'model.registered') {
      const name = str(b['name']) ?? '';
      this.#models.set(name, {
        name,
        owner: str(b['owner']) ?? '',
        useCase: str(b['useCase']) ?? '',
        riskTier: str(b['riskTier']) ?? '',
        description: str(b['description']) ?? '',
        createdBy: e.actor.id,
        createdAt: e.time,
        ledgerIndex: index,
      });
      return;
    }
    const versionId = e.subject?.startsWith('model-version:') ? e.subject.slice('model-version:'.length) : null;
    if (!versionId) return;
    if (e.kind === 'model_version.registered') {
      const model = str(b['model']) ?? '';
      this.#versions.set(versionId, {
        id: versionId,
        model,
        version: str(b['version']) ?? '',
        state: 'draft',
        runId: str(b['runId']),
        trainer: null,
        author: e.actor.id,
        submittedBy: null,
        dataClasses: strs(b['dataClasses']),
        useCases: [],
        zones: [],
        approvalExpiresAt: null,
        createdAt: e.time,
        ledgerIndex: index,
        evidence: [],
        approvals: [],
        waivers: [],
        refusals: [],
      });
      const runId = str(b['runId']);
      const run = runId ? this.#runs.get(runId) : undefined;
      if (run) this.#versions.get(versionId)!.trainer = run.trainer;
      const card = this.#want(str(b['modelCardDigest']), index, { source: { from: 'model-card', versionId }, mediaType: 'text/markdown', kind: 'model-card', title: `Model card of ${model}@${str(b['version']) ?? ''}` });
      if (card) this.#versions.get(versionId)!.evidence.push({ kind: 'model-card', title: 'Model card', digest: str(b['modelCardDigest'])!, path: card, author: e.actor.id, addedAt: e.time, ledgerIndex: index });
      return;
    }
    if (e.kind === 'model_version.suspended' || e.kind === 'model_version.retired') this.#withdraw(versionId, e.kind === 'model_version.suspended' ? 'suspended' : 'retired', e.time);
    const v = this.#versions.get(versionId);
    if (!v) return;
    switch (e.kind) {
      case 'model_version.evidence_added': {
        const digest = str(b['digest']);
        const kind = str(b['kind']) ?? 'evidence';
        const title = str(b['title']) ?? '';
        const path = this.#want(digest, index, { source: { from: 'evidence' }, mediaType: str(b['mediaType']) ?? 'application/octet-stream', kind, title });
        if (path) v.evidence.push({ kind, title, digest: digest!, path, author: e.actor.id, addedAt: e.time, ledgerIndex: index });
        // New evidence means earlier approvals no longer hold, and an approved version is reviewed again.
        for (const a of v.approvals) a.valid = false;
        if (v.state === 'approved') {
          v.state = 'validated';
          v.approvalExpiresAt = null;
        }
        return;
      }
      case 'model_version.submitted':
        v.submittedBy = e.actor.id;
        v.useCases = strs(b['useCases']);
        v.zones = strs(b['zones']);
        // A re-submission that widened the scope withdrew the approvals (registry.submit).
        if (b['withdrawsApprovals'] === true) {
          for (const a of v.approvals) a.valid = false;
          if (v.state === 'approved') {
            v.state = 'validated';
            v.approvalExpiresAt = null;
          }
        }
        return;
      case 'model_version.approval': {
        v.approvals.push({ id: str(b['id']) ?? '', role: str(b['role']) ?? '', approver: personOf(e.actor), reason: str(b['reason']) ?? '', at: e.time, valid: true, ledgerIndex: index });
        this.#maybeApproved(v, str(obj(b['decision'])?.['policy']), e.time);
        return;
      }
      case 'model_version.approval_refused':
      case 'model_version.validation_failed':
      case 'deployment.refused':
        v.refusals.push({ kind: e.kind, actor: e.actor.id, at: e.time, reasons: reasonsOf(b), ledgerIndex: index });
        return;
      case 'model_version.waiver_requested':
        v.waivers.push({ id: str(b['id']) ?? '', rule: str(b['rule']) ?? '', reason: str(b['reason']) ?? '', requestedBy: e.actor.id, state: 'requested', decidedBy: null, expiresAt: str(b['expiresAt']) ?? '', ledgerIndex: index });
        return;
      case 'model_version.waiver_approved':
      case 'model_version.waiver_rejected': {
        const w = v.waivers.find((x) => x.id === str(b['id']));
        if (w) {
          w.state = e.kind.endsWith('approved') ? 'approved' : 'rejected';
          w.decidedBy = personOf(e.actor);
        }
        return;
      }
      default: {
        const to = str(b['to']);
        if (to) v.state = to;
      }
    }
  }

  /** What a suspension or retirement does to the version's deployments (deployments/withdraw-deployments.ts). */
  #withdraw(versionId: string, to: 'suspended' | 'retired', at: string): void {
    for (const d of this.#deployments.values()) {
      if (d.versionId !== versionId || !(d.state === 'active' || (to === 'retired' && d.state === 'suspended'))) continue;
      d.state = to;
      if (to === 'retired') d.endedAt = at;
    }
  }

  /** A version becomes approved when its valid approvals cover every role its tier requires. */
  #maybeApproved(v: VersionState, policyHash: string | null, at: string): void {
    const pack = policyHash ? this.#policies.get(policyHash) : undefined;
    const model = this.#models.get(v.model);
    const tier = pack && model ? pack.risk_tiers[model.riskTier] : undefined;
    if (!tier || v.state !== 'validated') return;
    const valid = v.approvals.filter((a) => a.valid).map((a) => a.role);
    if (tier.approvals.every((r) => valid.filter((role) => role === r.role).length >= r.count)) {
      v.state = 'approved';
      v.approvalExpiresAt = new Date(Date.parse(at) + tier.approval_validity_days * 86_400_000).toISOString();
    }
  }

  #dataset(index: number, e: Entry): void {
    const b = e.body;
    const digest = str(b['digest']);
    if (!digest) return;
    if (e.kind === 'dataset.registered') {
      const derived = obj(b['derivedFrom']);
      this.#datasets.set(digest, {
        digest,
        name: str(b['name']) ?? '',
        state: str(b['state']) ?? 'quarantine',
        dataClasses: strs(b['dataClasses']),
        owner: str(b['owner']),
        sourceSystem: str(b['sourceSystem']),
        legalBasis: str(b['legalBasis']),
        retentionClass: str(b['retentionClass']),
        objectCount: num(b['objectCount']),
        totalBytes: num(b['totalBytes']),
        derivation: derived ? { from: strs(derived['inputs']), excluded: num(derived['exclusionCount']) } : null,
        registeredBy: e.actor.id,
        registeredAt: e.time,
        certifiedAt: null,
        ledgerIndex: index,
      });
      return;
    }
    const d = this.#datasets.get(digest);
    if (!d) return;
    if (e.kind === 'dataset.declassified') {
      d.dataClasses = strs(b['remaining']);
      return;
    }
    const to = str(b['to']);
    if (to) {
      d.state = to;
      if (to === 'certified') d.certifiedAt = e.time;
    }
  }

  #run(index: number, e: Entry): void {
    const b = e.body;
    const id = str(b['id']);
    if (!id) return;
    if (e.kind === 'run.started') {
      const code = obj(b['code']);
      const image = obj(b['image']);
      this.#runs.set(id, {
        id,
        name: str(b['name']) ?? '',
        state: 'running',
        trainer: e.actor.id,
        inputs: strs(b['inputs']),
        code: code ? { repository: str(code['repository']) ?? '', commit: str(code['commit']) ?? '' } : null,
        image: image ? (str(image['name']) ?? str(image['digest'])) : null,
        startedAt: e.time,
        endedAt: null,
        lineageComplete: null,
        bundle: null,
        ledgerIndex: index,
      });
      return;
    }
    const run = this.#runs.get(id);
    if (!run || (e.kind !== 'run.completed' && e.kind !== 'run.failed')) return;
    run.state = e.kind === 'run.completed' ? 'completed' : 'failed';
    run.endedAt = e.time;
    run.lineageComplete = b['lineageComplete'] === true;
    run.bundle = this.#want(str(b['bundleDigest']), index, { source: { from: 'bundle', runId: id }, mediaType: 'application/json', kind: 'lineage-bundle', title: `Lineage bundle of run ${run.name} (${id})` });
  }

  #deployment(index: number, e: Entry): void {
    const b = e.body;
    const id = str(b['id']);
    if (!id || (e.kind !== 'deployment.created' && e.kind !== 'deployment.rolled_back' && e.kind !== 'deployment.retired')) return;
    if (e.kind === 'deployment.retired') {
      const d = this.#deployments.get(id);
      if (d) {
        d.state = 'retired';
        d.endedAt = e.time;
      }
      return;
    }
    const rolledBack = obj(b['rolledBack']);
    const ended = rolledBack ? str(rolledBack['id']) : str(b['supersedes']);
    const previous = ended ? this.#deployments.get(ended) : undefined;
    if (previous && (previous.state === 'active' || previous.state === 'suspended')) {
      previous.state = rolledBack ? 'rolled_back' : 'superseded';
      previous.endedAt = e.time;
    }
    const versionId = str(b['versionId']) ?? '';
    this.#deployments.set(id, {
      id,
      model: str(b['model']) ?? '',
      versionId,
      version: str(b['version']),
      zone: str(b['zone']) ?? '',
      environment: str(b['environment']) ?? '',
      state: 'active',
      deployedBy: e.actor.id,
      reason: str(b['reason']) ?? '',
      startedAt: e.time,
      endedAt: null,
      previousVersionId: str(b['previousVersionId']),
      rollbackOf: rolledBack ? str(rolledBack['id']) : null,
      ledgerIndex: index,
    });
    const v = this.#versions.get(versionId);
    if (v && (v.state === 'approved' || v.state === 'deployed')) v.state = 'deployed';
  }

  #policy(index: number, e: Entry): void {
    const b = e.body;
    const id = str(b['id']);
    if (!id) return;
    if (e.kind === 'policy.proposed') {
      this.#policyFacts.set(id, { id, hash: str(b['hash']) ?? '', status: 'proposed', reason: str(b['reason']) ?? '', proposedBy: e.actor.id, proposedAt: e.time, decidedBy: null, decidedAt: null, ledgerIndex: index });
      return;
    }
    if (e.kind !== 'policy.activated' && e.kind !== 'policy.rejected') return;
    const p = this.#policyFacts.get(id) ?? { id, hash: str(b['hash']) ?? '', status: 'proposed', reason: b['bootstrap'] === true ? 'bootstrap' : (str(b['reason']) ?? ''), proposedBy: e.actor.id, proposedAt: e.time, decidedBy: null, decidedAt: null, ledgerIndex: index };
    if (e.kind === 'policy.activated') {
      for (const other of this.#policyFacts.values()) if (other.status === 'active') other.status = 'superseded';
    }
    p.status = e.kind === 'policy.activated' ? 'active' : 'rejected';
    p.decidedBy = e.actor.id;
    p.decidedAt = e.time;
    p.ledgerIndex = index;
    this.#policyFacts.set(id, p);
  }
}
