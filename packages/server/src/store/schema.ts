/** Tables of the store, shared by SQLite and PostgreSQL (one set of migrations, see migrations.ts). */
export interface Database {
  cairn_meta: MetaTable;
  log_head: LogHeadTable;
  log_entries: LogEntryTable;
  log_checkpoints: LogCheckpointTable;
  api_tokens: ApiTokenTable;
  elevations: ElevationTable;
  alerts: AlertTable;
  policy_versions: PolicyVersionTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** One row (id = 1): the tree size and the last entry time. Locked to serialise tree growth. */
export interface LogHeadTable {
  id: number;
  size: number;
  last_time: string;
}

/**
 * One row per leaf. `hashes` holds the leaf hash followed by the hash of every perfect subtree
 * this leaf completes (levels 1..t, where t = trailing one bits of idx): node (level L, index j)
 * lives in row (j+1)·2^L − 1 at byte offset 32·L. Every interior node is stored exactly once, so
 * a proof at any size is O(log n) primary-key reads and appends write no extra rows.
 */
export interface LogEntryTable {
  idx: number;
  kind: string;
  subject: string | null;
  time: string;
  leaf: Uint8Array;
  hashes: Uint8Array;
}

export interface LogCheckpointTable {
  size: number;
  root_hash: Uint8Array;
  note: string;
  signed_at: string;
}

export interface ApiTokenTable {
  id: string;
  token_hash: Uint8Array;
  principal: string;
  principal_type: string;
  roles: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_by: string | null;
  /** JSON array of permissions the token is limited to, or null for all its roles allow. */
  scopes: string | null;
}

/** Break-glass elevations: extra roles for one principal until `expires_at`. */
export interface ElevationTable {
  id: string;
  principal: string;
  roles: string;
  reason: string;
  granted_at: string;
  expires_at: string;
  ledger_index: number;
}

export interface AlertTable {
  id: string;
  kind: string;
  severity: string;
  message: string;
  principal: string | null;
  created_at: string;
  /** When the condition the alert reports ends by itself (an elevation's expiry), if it does. */
  expires_at: string | null;
  ledger_index: number | null;
}

/** Policy packs: proposals, the active one, and those superseded or rejected. */
export interface PolicyVersionTable {
  id: string;
  hash: string;
  source: string;
  status: 'proposed' | 'active' | 'superseded' | 'rejected';
  base_hash: string | null;
  diff: string;
  reason: string;
  proposed_by: string;
  proposed_at: string;
  proposal_index: number;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  decision_index: number | null;
}
