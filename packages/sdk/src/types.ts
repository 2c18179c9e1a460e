/** Shapes of the API's answers, as the SDK hands them to callers. */

export type Role =
  | 'admin'
  | 'steward'
  | 'engineer'
  | 'reviewer:business'
  | 'reviewer:security'
  | 'reviewer:compliance'
  | 'reviewer:model-risk'
  | 'operator'
  | 'auditor'
  | 'service';

export interface Decision {
  readonly kind: 'decision';
  readonly question: string;
  readonly allowed: boolean;
  readonly rules: readonly { rule: string; effect: 'allow' | 'deny'; reason: string }[];
  readonly reasons: readonly string[];
  readonly obligations: readonly string[];
  readonly policy: string;
}

export interface TokenInfo {
  readonly id: string;
  readonly principal: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly scopes: readonly string[] | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string | null;
  /** Why the token never expires (only then). */
  readonly noExpiryReason: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** An identity Cairn knows: proposed by one person, approved by another (or a founder). */
export interface PrincipalInfo {
  readonly id: string;
  readonly type: 'user' | 'service';
  readonly roles: readonly Role[];
  readonly owner: string | null;
  readonly displayName: string | null;
  readonly state: 'proposed' | 'active' | 'rejected' | 'disabled';
  readonly vouchedBy: 'founder' | 'two-person';
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly reason: string;
  readonly approvedBy: string | null;
  readonly approvedAt: string | null;
  readonly hasCredential: boolean;
  readonly ledgerIndex: number;
}

export interface WhoAmI {
  readonly id: string;
  /** The person accountable (a service account: its owner). */
  readonly person: string;
  readonly type: string;
  readonly auth: string;
  readonly roles: readonly Role[];
  readonly tokenId?: string;
  readonly scopes?: readonly string[];
  readonly elevation?: { id: string; roles: readonly Role[]; expiresAt: string };
}

export interface Elevation {
  readonly id: string;
  readonly principal: string;
  readonly roles: readonly Role[];
  readonly reason: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly ledgerIndex: number;
}

export interface Alert {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  readonly message: string;
  readonly principal: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly active: boolean;
  readonly ledgerIndex: number | null;
}

export interface PolicyVersion {
  readonly id: string;
  readonly hash: string;
  readonly status: 'proposed' | 'active' | 'superseded' | 'rejected';
  readonly baseHash: string | null;
  readonly diff: readonly { path: string; op: string; from?: unknown; to?: unknown }[];
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly proposalIndex: number;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  readonly decisionIndex: number | null;
}

export interface PolicyIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

export interface Workload {
  readonly dataClasses: readonly string[];
  readonly signedImages?: boolean;
  readonly encryptedVolumes?: boolean;
  readonly runtimeIdentity?: boolean;
  readonly egress?: readonly string[];
  readonly externalLlmCalls?: boolean;
}

export interface PlacementResult {
  readonly allowed: boolean;
  readonly reasons: readonly string[];
  readonly policy: string;
  readonly rules: Decision['rules'];
  readonly obligations: readonly string[];
}
