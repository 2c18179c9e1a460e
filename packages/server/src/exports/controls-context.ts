import type { ApprovalFact, DeploymentFact, EvidenceFile, ExportFacts, ModelFact, PolicyFact, RefusalFact, TimelineItem, VersionFact } from './facts.js';

/** What the control rules (controls-frameworks.ts) work with: the package's facts, indexed once, and small helpers. */

export type ControlStatus = 'evidenced' | 'partial' | 'not-in-scope';

export interface EntryEvidence {
  readonly kind: string;
  /** How many entries of this kind the package holds. */
  readonly count: number;
  /** Their ledger indices, ascending, at most `INDEX_LIMIT` of them. */
  readonly indices: readonly number[];
}

export const INDEX_LIMIT = 50;

/** The package files that make every entry tamper-evident (docs/exports.md, "Package format"). */
export const INTEGRITY_FILES = ['checkpoint', 'keys/log.pem', 'keys/log.vkey', 'manifest.json', 'manifest.sig', 'sha256sums'];

export type Assessment = { status: ControlStatus; reason: string; kinds?: readonly string[]; files?: readonly string[]; facts?: readonly string[] };
export interface ControlRule {
  readonly id: string;
  readonly title: string;
  readonly asks: string;
  readonly assess: (c: Context) => Assessment;
}

export interface Version {
  readonly model: ModelFact;
  readonly v: VersionFact;
}

/** What several controls derive from the facts, computed once. */
export class Context {
  readonly versions: readonly Version[];
  readonly approvals: readonly (ApprovalFact & { readonly of: Version })[];
  readonly refusals: readonly RefusalFact[];
  readonly dataClasses: readonly string[];
  readonly #indices = new Map<string, number[]>();
  readonly #counts = new Map<string, number>();

  constructor(readonly f: ExportFacts) {
    this.versions = f.models.flatMap((model) => model.versions.map((v) => ({ model, v })));
    this.approvals = this.versions.flatMap((of) => of.v.approvals.map((a) => ({ ...a, of })));
    this.refusals = this.versions.flatMap(({ v }) => v.refusals);
    this.dataClasses = sorted([...f.datasets.flatMap((d) => d.dataClasses), ...this.versions.flatMap(({ v }) => v.dataClasses)]);
    // Indices by kind: the timeline, and the facts whose entry kind is unambiguous (the timeline
    // stops at TIMELINE_LIMIT). Counts come from byKind, which covers every entry.
    const add = (kind: string, index: number) => {
      if (index < 0) return; // a placeholder for a record whose entry is outside the scope
      const known = this.#indices.get(kind);
      if (known) known.push(index);
      else this.#indices.set(kind, [index]);
    };
    for (const t of f.timeline) add(t.kind, t.index);
    for (const { model, v } of this.versions) {
      add('model.registered', model.ledgerIndex);
      add('model_version.registered', v.ledgerIndex);
      // A model card is committed by the version's registration, not by an evidence_added entry.
      for (const e of v.evidence) if (e.kind !== 'model-card') add('model_version.evidence_added', e.ledgerIndex);
      for (const a of v.approvals) add('model_version.approval', a.ledgerIndex);
      for (const r of v.refusals) add(r.kind, r.ledgerIndex);
    }
    for (const d of f.deployments) add(d.rollbackOf === null ? 'deployment.created' : 'deployment.rolled_back', d.ledgerIndex);
    for (const k of f.entries.byKind) this.#counts.set(k.kind, k.count);
  }

  get hasEntries(): boolean {
    return this.f.entries.count > 0;
  }

  /** Entry evidence for exact kinds and `prefix.*` patterns, for the kinds present in the package. */
  entries(patterns: readonly string[]): EntryEvidence[] {
    const kinds = sorted([...this.#counts.keys(), ...this.#indices.keys()]).filter((k) => patterns.some((p) => p === '*' || (p.endsWith('.*') ? k.startsWith(p.slice(0, -1)) : k === p)));
    return kinds.map((kind) => {
      const indices = sorted(this.#indices.get(kind) ?? []);
      return { kind, count: Math.max(this.#counts.get(kind) ?? 0, indices.length), indices: indices.slice(0, INDEX_LIMIT) };
    });
  }

  count(patterns: readonly string[]): number {
    return this.entries(patterns).reduce((n, e) => n + e.count, 0);
  }

  files(pred: (e: EvidenceFile) => boolean): string[] {
    return sorted(this.f.evidence.filter(pred).map((e) => e.path));
  }

  /** Timeline indices of the entries of `kind` about `subject`. */
  about(subject: string, kind: string): number[] {
    return this.f.timeline.filter((t) => t.subject === subject && t.kind === kind).map((t) => t.index);
  }

  version(id: string): Version | undefined {
    return this.versions.find(({ v }) => v.id === id);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for facts
// ---------------------------------------------------------------------------------------------

export function sorted<T extends string | number>(xs: readonly T[]): T[] {
  return [...new Set(xs)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0));
}
/** `#123`; a negative index stands for a record whose entry is outside the package. */
export const at = (i: number) => (i >= 0 ? `#${i}` : '(entry not in this package)');
export const ats = (is: readonly number[]) => (is.length === 0 ? '' : ` (${sorted(is).map(at).join(', ')})`);
export const list = (xs: readonly string[]) => (xs.length === 0 ? 'none' : xs.join(', '));
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export const label = ({ model, v }: Version) => `${model.name} ${v.version}`;
export const ofKinds = (kinds: readonly string[]) => (e: { kind: string }) => kinds.includes(e.kind);
export const versionFiles = (c: Context, kinds: readonly string[]) => c.files((e) => kinds.includes(e.kind));
export const hasAny = (classes: readonly string[], wanted: readonly string[]) => classes.some((x) => wanted.includes(x.toLowerCase()));

export function outOfScope(what: string): Assessment {
  return { status: 'not-in-scope', reason: `no ${what} in this package's scope` };
}

/** `evidenced` when nothing is missing, else `partial` with the gaps as the reason. */
export function judge(gaps: readonly string[], ok: string): Pick<Assessment, 'status' | 'reason'> {
  return gaps.length === 0 ? { status: 'evidenced', reason: ok } : { status: 'partial', reason: gaps.join('; ') };
}

export function approvalFacts(c: Context): string[] {
  return c.versions.map((ver) => {
    const as = ver.v.approvals;
    if (as.length === 0) return `${label(ver)}: no approval in scope`;
    const people = sorted(as.map((a) => a.approver));
    const conflicted = conflicts(ver);
    const invalid = as.filter((a) => !a.valid);
    return (
      `${label(ver)}: approvals by ${plural(people.length, 'distinct reviewer')} (${as.map((a) => `${a.approver} as ${a.role} ${at(a.ledgerIndex)}`).join('; ')}), ` +
      (conflicted.length === 0 ? 'none by the author, trainer or submitter' : `${list(conflicted)} also authored, trained or submitted it`) +
      (invalid.length === 0 ? '' : `; ${plural(invalid.length, 'approval')} no longer valid after evidence changed${ats(invalid.map((a) => a.ledgerIndex))}`)
    );
  });
}

/** Approvers who were also the version's author, trainer or submitter. */
export function conflicts({ v }: Version): string[] {
  const involved = [v.author, v.trainer, v.submittedBy].filter((x): x is string => x !== null);
  return sorted(v.approvals.filter((a) => involved.includes(a.approver)).map((a) => a.approver));
}

export function refusalFacts(refusals: readonly RefusalFact[]): string[] {
  return refusals.map((r) => `${r.kind} ${at(r.ledgerIndex)} by ${r.actor} at ${r.at}: ${r.reasons.length === 0 ? 'no reason recorded' : r.reasons.join('; ')}`);
}

export function integrityFacts(c: Context): string[] {
  const { log, entries } = c.f;
  return [
    `${plural(entries.count, 'entry', 'entries')}, each with an inclusion proof into the checkpoint of tree size ${log.treeSize} (root ${log.rootHash}) signed by key ${log.keyFingerprint}`,
    'manifest.json lists every file with its SHA-256 and is signed by the log key (manifest.sig)',
  ];
}

export function deploymentFacts(c: Context): string[] {
  return c.f.deployments.map((d) => {
    const what = `${d.model} ${d.version ?? d.versionId} to ${d.zone}/${d.environment}`;
    return d.rollbackOf === null
      ? `deployment ${d.id} ${at(d.ledgerIndex)}: ${what} by ${d.deployedBy} at ${d.startedAt}, now ${d.state}`
      : `rollback ${d.id} ${at(d.ledgerIndex)} of ${d.rollbackOf}: ${what} by ${d.deployedBy} at ${d.startedAt} — ${d.reason}`;
  });
}

export function policyFacts(c: Context): string[] {
  return c.f.policies.map((p) => `policy ${p.id} ${at(p.ledgerIndex)} (${p.status}, ${p.hash}): proposed by ${p.proposedBy}, ${p.decidedBy === null ? 'not decided' : `decided by ${p.decidedBy} at ${p.decidedAt ?? '?'}`}`);
}

/** Approvals of the deployed version given no later than the deployment. */
export function approvalsBefore(c: Context, d: DeploymentFact): readonly ApprovalFact[] | undefined {
  return c.version(d.versionId)?.v.approvals.filter((a) => a.at <= d.startedAt);
}

/**
 * Policy versions someone decided on. The bootstrap pack, activated by Cairn itself at first start,
 * is no change. (The facts builder names it by its reason, `bootstrap`.)
 */
export function policyDecisions(c: Context): readonly PolicyFact[] {
  return c.f.policies.filter((p) => p.decidedBy !== null && p.reason !== 'bootstrap');
}

/**
 * What keeps a policy decision from showing separation of duties. When the proposal is outside
 * the package, the facts name the decider as proposer at the decision's own time.
 */
export function policyGap(p: PolicyFact): string | null {
  if (p.decidedBy !== p.proposedBy) return null;
  return p.decidedAt === p.proposedAt ? `the proposal of policy ${p.id} is not in this package` : `policy ${p.id} was decided by its proposer ${p.proposedBy}`;
}

export function entryCountFact(c: Context): string {
  const { count, first, last } = c.f.entries;
  const actors = sorted(c.f.timeline.map((t) => t.actor));
  return first === null || last === null
    ? 'no entries'
    : `${plural(count, 'entry', 'entries')} from ${first.time} ${at(first.index)} to ${last.time} ${at(last.index)}${c.f.timelineTruncated ? '' : ` by ${plural(actors.length, 'distinct actor')}`}`;
}

/** `registered #71 → evidence_added (#72, #73) → validated #82`: runs of one kind grouped. */
export function lifecycle(items: readonly TimelineItem[]): string[] {
  const runs: { kind: string; indices: number[] }[] = [];
  for (const t of items) {
    const kind = t.kind.replace(/^model_version\./, '');
    const last = runs.at(-1);
    if (last?.kind === kind) last.indices.push(t.index);
    else runs.push({ kind, indices: [t.index] });
  }
  return runs.map((r) => (r.indices.length === 1 ? `${r.kind} ${at(r.indices[0]!)}` : `${r.kind}${ats(r.indices)}`));
}

export const FAILURE_KINDS = ['*.approval_refused', '*.certification_refused', '*.denied', '*.failed', '*.refused', '*.rejected', '*.validation_failed'];
export function failureEntries(c: Context): EntryEvidence[] {
  return c.entries(['*']).filter((e) => FAILURE_KINDS.some((p) => e.kind.endsWith(p.slice(1))));
}

