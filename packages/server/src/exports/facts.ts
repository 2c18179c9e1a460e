/**
 * What a compliance package says about its scope, gathered once from the store before the
 * archive is written: the input of controls.json and report.html. Every fact carries the ledger
 * index of the entry that recorded it, so that a reader can find the proof in `entries/`.
 * Nothing here depends on who exports or when: the same scope at the same checkpoint gives the
 * same facts, hence the same bytes.
 */

export type ExportScope =
  | { readonly kind: 'model'; readonly model: string; readonly version: string }
  | { readonly kind: 'time'; readonly from: string; readonly to: string }
  | { readonly kind: 'subject'; readonly subject: string };

export interface LogFacts {
  readonly origin: string;
  readonly treeSize: number;
  /** Base64 root hash of the checkpoint. */
  readonly rootHash: string;
  readonly verifierKey: string;
  /** Lowercase hex SHA-256 of the key's SubjectPublicKeyInfo DER (`openssl pkey -pubin -outform DER | sha256sum`). */
  readonly keyFingerprint: string;
  /** Time of the checkpoint's last entry (RFC 3339). */
  readonly asOf: string;
}

export interface TimelineItem {
  readonly index: number;
  readonly time: string;
  readonly kind: string;
  readonly subject: string | null;
  /** The actor's id (`alice`, `ci-bot`, `system`). */
  readonly actor: string;
  /** Present when the actor acted under a break-glass elevation. */
  readonly elevation?: string;
}

export interface EvidenceFile {
  /** Path inside the package: `evidence/HEX.EXT`. */
  readonly path: string;
  /** `sha256:HEX` as the entries commit to it. */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** What the document is: `model-card`, `lineage-bundle`, or the evidence kind given when it was added (`validation`, `bias`, …). */
  readonly kind: string;
  readonly title: string;
  /** Ledger indices (in the package) of the entries that commit to this digest. */
  readonly committedBy: readonly number[];
}

export interface ApprovalFact {
  readonly id: string;
  readonly role: string;
  readonly approver: string;
  readonly reason: string;
  readonly at: string;
  /** False once evidence changed after the approval (it no longer holds). */
  readonly valid: boolean;
  readonly ledgerIndex: number;
}

export interface RefusalFact {
  /** The refused action's entry kind, e.g. `model_version.approval_refused`, `deployment.refused`. */
  readonly kind: string;
  readonly actor: string;
  readonly at: string;
  /** The decision's reasons, as recorded. */
  readonly reasons: readonly string[];
  readonly ledgerIndex: number;
}

export interface WaiverFact {
  readonly id: string;
  readonly rule: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly state: string;
  readonly decidedBy: string | null;
  readonly expiresAt: string;
  readonly ledgerIndex: number;
}

export interface VersionFact {
  readonly id: string;
  readonly version: string;
  readonly state: string;
  readonly runId: string | null;
  readonly trainer: string | null;
  readonly author: string;
  readonly submittedBy: string | null;
  readonly dataClasses: readonly string[];
  readonly useCases: readonly string[];
  readonly zones: readonly string[];
  readonly approvalExpiresAt: string | null;
  readonly createdAt: string;
  readonly ledgerIndex: number;
  /** Evidence documents attached to the version (paths into `evidence/`). */
  readonly evidence: readonly { readonly kind: string; readonly title: string; readonly digest: string; readonly path: string; readonly author: string; readonly addedAt: string; readonly ledgerIndex: number }[];
  readonly approvals: readonly ApprovalFact[];
  readonly waivers: readonly WaiverFact[];
  readonly refusals: readonly RefusalFact[];
}

export interface ModelFact {
  readonly name: string;
  readonly owner: string;
  readonly useCase: string;
  readonly riskTier: string;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: string;
  /** -1 when the model's registration is not in the package (a time or subject scope that starts later). */
  readonly ledgerIndex: number;
  /** The versions in scope (one for a `model` scope). */
  readonly versions: readonly VersionFact[];
}

export interface DatasetFact {
  readonly digest: string;
  readonly name: string;
  readonly state: string;
  readonly dataClasses: readonly string[];
  readonly owner: string | null;
  readonly sourceSystem: string | null;
  readonly legalBasis: string | null;
  readonly retentionClass: string | null;
  readonly objectCount: number;
  readonly totalBytes: number;
  /** For a derived dataset: its parents and how many objects were excluded (with the commitment). */
  readonly derivation: { readonly from: readonly string[]; readonly excluded?: number; readonly reason?: string } | null;
  readonly registeredBy: string;
  readonly registeredAt: string;
  readonly certifiedAt: string | null;
  readonly ledgerIndex: number;
}

export interface RunFact {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly trainer: string;
  readonly inputs: readonly string[];
  readonly code: { readonly repository: string; readonly commit: string } | null;
  readonly image: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly lineageComplete: boolean | null;
  /** `evidence/HEX.dsse.json`, when the run completed with a lineage bundle. */
  readonly bundle: string | null;
  readonly ledgerIndex: number;
}

export interface DeploymentFact {
  readonly id: string;
  readonly model: string;
  readonly versionId: string;
  readonly version: string | null;
  readonly zone: string;
  readonly environment: string;
  readonly state: string;
  readonly deployedBy: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly previousVersionId: string | null;
  /** Set when this deployment was a rollback of another deployment. */
  readonly rollbackOf: string | null;
  readonly ledgerIndex: number;
}

export interface PolicyFact {
  readonly id: string;
  readonly hash: string;
  readonly status: string;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  /** Ledger index of the activation (or of the proposal, if never activated). */
  readonly ledgerIndex: number;
}

export interface ExportFacts {
  readonly scope: ExportScope;
  readonly log: LogFacts;
  readonly entries: {
    readonly count: number;
    readonly first: TimelineItem | null;
    readonly last: TimelineItem | null;
    /** Entry kinds and how many of each are in the package, sorted by kind. */
    readonly byKind: readonly { readonly kind: string; readonly count: number }[];
  };
  /** The first TIMELINE_LIMIT entries in index order; `timelineTruncated` says if there were more. */
  readonly timeline: readonly TimelineItem[];
  readonly timelineTruncated: boolean;
  readonly models: readonly ModelFact[];
  readonly datasets: readonly DatasetFact[];
  readonly runs: readonly RunFact[];
  readonly deployments: readonly DeploymentFact[];
  readonly policies: readonly PolicyFact[];
  readonly evidence: readonly EvidenceFile[];
}

export const TIMELINE_LIMIT = 2000;
