import crypto from 'node:crypto';
import type { ApprovalTable, ModelTable, ModelVersionTable, VersionEvidenceTable, WaiverTable } from '../store/schema.js';

export interface Model {
  readonly name: string;
  readonly owner: string;
  readonly useCase: string;
  readonly riskTier: string;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly ledgerIndex: number;
}

export interface Evidence {
  readonly id: string;
  readonly kind: string;
  readonly digest: string;
  readonly title: string;
  readonly metrics: Record<string, number> | null;
  readonly author: string;
  readonly addedAt: string;
  readonly ledgerIndex: number;
}

export interface Approval {
  readonly id: string;
  readonly role: string;
  readonly approver: string;
  readonly evidenceSet: string;
  readonly reason: string;
  readonly at: string;
  readonly valid: boolean;
  readonly ledgerIndex: number;
}

export interface Waiver {
  readonly id: string;
  readonly versionId: string;
  readonly rule: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly state: WaiverTable['state'];
  readonly decidedBy: string | null;
  readonly expiresAt: string;
  readonly ledgerIndex: number;
}

export interface ModelVersion {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly state: ModelVersionTable['state'];
  readonly artifacts: readonly { name: string; digest: string }[];
  readonly runId: string | null;
  readonly trainer: string | null;
  readonly dataClasses: readonly string[];
  readonly modelCard: string;
  readonly author: string;
  readonly submittedBy: string | null;
  readonly useCases: readonly string[] | null;
  readonly zones: readonly string[] | null;
  readonly approvalExpiresAt: string | null;
  readonly evidenceSet: string;
  readonly createdAt: string;
  readonly ledgerIndex: number;
  readonly stateIndex: number;
}

export const toModel = (r: ModelTable): Model => ({
  name: r.name,
  owner: r.owner,
  useCase: r.use_case,
  riskTier: r.risk_tier,
  description: r.description,
  createdBy: r.created_by,
  createdAt: r.created_at,
  ledgerIndex: Number(r.ledger_index),
});

export const toVersion = (r: ModelVersionTable): ModelVersion => ({
  id: r.id,
  model: r.model,
  version: r.version,
  state: r.state,
  artifacts: JSON.parse(r.artifacts) as { name: string; digest: string }[],
  runId: r.run_id,
  trainer: r.trainer,
  dataClasses: JSON.parse(r.data_classes) as string[],
  modelCard: r.model_card,
  author: r.author,
  submittedBy: r.submitted_by,
  useCases: r.use_cases === null ? null : (JSON.parse(r.use_cases) as string[]),
  zones: r.zones === null ? null : (JSON.parse(r.zones) as string[]),
  approvalExpiresAt: r.approval_expires_at,
  evidenceSet: r.evidence_set,
  createdAt: r.created_at,
  ledgerIndex: Number(r.ledger_index),
  stateIndex: Number(r.state_index),
});

export const toEvidence = (r: VersionEvidenceTable): Evidence => ({
  id: r.id,
  kind: r.kind,
  digest: r.digest,
  title: r.title,
  metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as Record<string, number>),
  author: r.author,
  addedAt: r.added_at,
  ledgerIndex: Number(r.ledger_index),
});

export const toApproval = (r: ApprovalTable): Approval => ({
  id: r.id,
  role: r.role,
  approver: r.approver,
  evidenceSet: r.evidence_set,
  reason: r.reason,
  at: r.at,
  valid: r.valid === 1,
  ledgerIndex: Number(r.ledger_index),
});

export const toWaiver = (r: WaiverTable): Waiver => ({
  id: r.id,
  versionId: r.version_id,
  rule: r.rule,
  reason: r.reason,
  requestedBy: r.requested_by,
  state: r.state,
  decidedBy: r.decided_by,
  expiresAt: r.expires_at,
  ledgerIndex: Number(r.ledger_index),
});

/**
 * What an approval names: SHA-256 over the version id and its evidence (kind and content digest),
 * sorted. Any evidence change gives another set, so an approval cannot be replayed onto it.
 */
export function evidenceSetDigest(versionId: string, evidence: readonly { kind: string; digest: string }[]): string {
  const lines = evidence.map((e) => `${e.kind} ${e.digest}`).sort();
  return `sha256:${crypto.createHash('sha256').update([versionId, ...lines].join('\n')).digest('hex')}`;
}

export const newId = (prefix: string) => `${prefix}_${crypto.randomBytes(9).toString('base64url')}`;
