/**
 * The typed shape of a policy pack, as POLICY_PACK_SCHEMA (schema.ts) admits it. Inner code takes
 * these values as given: loadPolicy validated them once, at the edge, and froze them.
 */

export type Ingress = 'private' | 'public';
export type EgressDefault = 'deny' | 'allow';

export interface ZoneControls {
  readonly audit_logging: boolean;
  readonly redacted_logs: boolean;
  readonly network_segmentation: boolean;
  readonly encrypted_volumes: boolean;
  /** Whether workloads in the zone can reach external LLM services at all. */
  readonly external_llm_calls: boolean;
}

export interface WorkloadRequirements {
  readonly signed_images: boolean;
  readonly encrypted_volumes: boolean;
  readonly runtime_identity: boolean;
}

export interface Zone {
  readonly description: string;
  readonly region: string;
  readonly ingress: Ingress;
  readonly egress: { readonly default: EgressDefault; readonly allow?: readonly string[] };
  readonly controls: ZoneControls;
  readonly workload_requirements: WorkloadRequirements;
  /** What admission lets run where `signed_images` is true, besides the zone's deployed models. */
  readonly admission?: ZoneAdmission;
}

/** An image repository and the digests of it admitted to a zone. */
export interface AllowedImage {
  readonly repository: string;
  readonly digests: readonly string[];
  readonly description?: string;
}

export interface ZoneAdmission {
  readonly image_allow_list?: readonly AllowedImage[];
  /** Registries or paths (ending with `/`) from which any digest-pinned image is admitted. */
  readonly trusted_repository_prefixes?: readonly string[];
}

/** What a data class demands of any zone it is placed in; an absent key is not demanded. */
export interface DataClassRequirements {
  readonly redacted_logs?: boolean;
  readonly audit_logging?: boolean;
  readonly network_segmentation?: boolean;
  readonly encrypted_volumes?: boolean;
  readonly private_ingress?: boolean;
  readonly no_external_llm_calls?: boolean;
}
export type DataClassRequirement = keyof DataClassRequirements;

export interface DataClass {
  /** How decisions name the class ("ePHI"); the key itself when absent. */
  readonly label?: string;
  readonly description: string;
  readonly allowed_zones: readonly string[];
  readonly requires: DataClassRequirements;
  readonly retention: { readonly days: number; readonly legal_basis_required: boolean };
  /** Declassifying this class takes two stewards. */
  readonly two_person_declassification?: boolean;
}

export interface MetricBounds {
  readonly min?: number;
  readonly max?: number;
}

export interface EvidenceRequirement {
  readonly kind: string;
  readonly description?: string;
  readonly metrics?: Readonly<Record<string, MetricBounds>>;
}

export interface ApprovalRequirement {
  readonly role: string;
  readonly count: number;
}

export interface RiskTier {
  readonly description: string;
  readonly use_cases?: readonly string[];
  readonly required_evidence: readonly EvidenceRequirement[];
  readonly approvals: readonly ApprovalRequirement[];
  readonly rollback_plan_required: boolean;
  readonly monitoring_required: boolean;
  readonly approval_validity_days: number;
  /** Validation needs a recorded, lineage-complete training run (default false). */
  readonly require_complete_lineage?: boolean;
}

export interface ArtifactRules {
  readonly signature_required: boolean;
  readonly scan_required: boolean;
  readonly licence_allow_list: readonly string[];
  readonly max_age_days_before_review: number;
}

export interface BreakGlassGrant {
  readonly description?: string;
  readonly eligible_roles: readonly string[];
  readonly may_assume: readonly string[];
}

export interface BreakGlassRules {
  readonly max_minutes: number;
  readonly grants: readonly BreakGlassGrant[];
}

export interface PolicyPack {
  readonly version: 1;
  readonly name: string;
  readonly description: string;
  readonly zones: Readonly<Record<string, Zone>>;
  readonly data_classes: Readonly<Record<string, DataClass>>;
  readonly risk_tiers: Readonly<Record<string, RiskTier>>;
  readonly artifacts: ArtifactRules;
  readonly break_glass: BreakGlassRules;
  /** Optional: what training runs may read (default: certified dataset versions only). */
  readonly training?: TrainingRules;
  /** Optional: who approves waivers of failed validation rules, and for how long at most. */
  readonly waivers?: WaiverRules;
  /** Optional: API token lifetimes (default 12 hours, at most 90 days). */
  readonly tokens?: TokenRules;
  /** Optional: which reads of sensitive material the ledger records (default: all of READ_KINDS). */
  readonly audit?: AuditRules;
}

export interface TokenRules {
  readonly default_hours: number;
  readonly max_days: number;
}

/** The reads of sensitive material that can be recorded, one per kind of material (docs/policy.md). */
export const READ_KINDS = ['evidence_documents', 'dataset_manifests', 'exclusion_lists', 'run_provenance', 'export_downloads', 'export_listings'] as const;
export type ReadKind = (typeof READ_KINDS)[number];

export interface AuditRules {
  readonly record_reads: readonly ReadKind[];
}

export interface WaiverRules {
  readonly approver_roles: readonly string[];
  readonly max_days: number;
}

export interface TrainingRules {
  readonly allow_quarantined_inputs?: boolean;
  readonly allow_unknown_inputs?: boolean;
}

/** No break-glass elevation lasts longer than this, whatever a pack says. */
export const BREAK_GLASS_CEILING_MINUTES = 60;

/** How a decision names a data class. */
export function classLabel(pack: PolicyPack, name: string): string {
  return pack.data_classes[name]?.label ?? name;
}

/** A map lookup that ignores inherited names such as `constructor` or `__proto__`. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
