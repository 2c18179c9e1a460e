/** Tables of the store, shared by SQLite and PostgreSQL (one set of migrations, see migrations.ts). */
export interface Database {
  cairn_meta: MetaTable;
  log_head: LogHeadTable;
  log_entries: LogEntryTable;
  log_checkpoints: LogCheckpointTable;
  api_tokens: ApiTokenTable;
  principals: PrincipalTable;
  version_participants: VersionParticipantTable;
  elevations: ElevationTable;
  alerts: AlertTable;
  policy_versions: PolicyVersionTable;
  dataset_versions: DatasetVersionTable;
  dataset_manifests: DatasetManifestTable;
  dataset_manifest_parts: DatasetManifestPartTable;
  training_runs: TrainingRunTable;
  lineage_edges: LineageEdgeTable;
  lineage_nodes: LineageNodeTable;
  models: ModelTable;
  model_versions: ModelVersionTable;
  evidence_documents: EvidenceDocumentTable;
  version_evidence: VersionEvidenceTable;
  approvals: ApprovalTable;
  waivers: WaiverTable;
  deployments: DeploymentTable;
  exports: ExportTable;
  ol_events: OlEventTable;
  ol_namespaces: OlNamespaceTable;
  ol_jobs: OlJobTable;
  ol_job_io: OlJobIoTable;
  ol_runs: OlRunTable;
  ol_run_states: OlRunStateTable;
  ol_datasets: OlDatasetTable;
  ol_dataset_versions: OlDatasetVersionTable;
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
  /** Why a token was issued without an expiry (only then). */
  no_expiry_reason: string | null;
}

/**
 * Identities Cairn knows (auth/principals.ts). `id` is normalised (NFC, case-folded). A user is a
 * person; a service account acts for its `owner`. `vouched_by`: `founder` (the installation
 * ceremony), `two-person` (proposed by one person, approved by another).
 */
export interface PrincipalTable {
  id: string;
  type: string;
  roles: string;
  owner: string | null;
  display_name: string | null;
  state: 'proposed' | 'active' | 'rejected' | 'disabled';
  vouched_by: 'founder' | 'two-person';
  /** SHA-256 of the credential the person made for themselves (the secret is never seen by Cairn's operators). */
  credential_hash: Uint8Array | null;
  proposed_by: string;
  proposed_at: string;
  proposal_reason: string;
  approved_by: string | null;
  approved_at: string | null;
  ledger_index: number;
  state_index: number;
}

/** Persons who took part in a model version; none of them may approve it or decide its waivers. */
export interface VersionParticipantTable {
  version_id: string;
  person: string;
  part: 'author' | 'trainer' | 'submitter' | 'evidence' | 'waiver';
  ledger_index: number;
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

/** A dataset version, identified by the SHA-256 of its canonical manifest. JSON columns are text. */
export interface DatasetVersionTable {
  digest: string;
  name: string;
  state: 'quarantine' | 'certified' | 'deprecated';
  owner: string | null;
  source_system: string | null;
  /** Classes in force: declared ∪ inherited from inputs − declassified (JSON array). */
  data_classes: string;
  declared_classes: string;
  legal_basis: string | null;
  consent_status: string | null;
  retention_class: string | null;
  tags: string;
  object_count: number;
  total_bytes: number;
  /** JSON: inputs, transform, exclusions — or null for a raw source. */
  derivation: string | null;
  declassifications: string;
  /** A declassification of a two-person class waiting for a second steward: JSON `{ classes, reason, by, at, ledgerIndex }`. */
  pending_declassification: string | null;
  registered_by: string;
  registered_at: string;
  ledger_index: number;
  state_index: number;
  certified_at: string | null;
}

export interface DatasetManifestTable {
  digest: string;
  /** The canonical manifest JSON (RFC 8785) whose SHA-256 is the digest; empty when `upload` is set. */
  manifest: string;
  /** A streamed manifest: its text is the `dataset_manifest_parts` of this upload, in `seq` order. */
  upload: string | null;
}

/** One piece (~64 KiB) of a streamed manifest's canonical text. */
export interface DatasetManifestPartTable {
  upload: string;
  seq: number;
  part: string;
  /** When the piece was written: pieces of an upload no registration names are swept after a day. */
  created_at: string;
}

export interface TrainingRunTable {
  id: string;
  name: string;
  state: 'running' | 'completed' | 'failed';
  /** JSON of the run's record: inputs, code, image, environment, parameters, metrics, outputs… */
  record: string;
  trainer: string;
  started_at: string;
  ended_at: string | null;
  lineage_complete: number | null;
  missing: string | null;
  /** The signed lineage bundle (DSSE envelope JSON), once the run completed. */
  bundle: string | null;
  ledger_index: number;
  completion_index: number | null;
}

/** Lineage graph: `src` feeds `dst` (keys such as `dataset:sha256:…`, `run:run_…`, `artifact:sha256:…`). */
export interface LineageEdgeTable {
  src: string;
  dst: string;
  relation: string;
  ledger_index: number;
}

export interface LineageNodeTable {
  key: string;
  kind: string;
  label: string;
  ledger_index: number;
}

/*
 * OpenLineage (lineage/openlineage/): events as Marquez receives them, and their projection onto
 * namespaces, jobs, runs and datasets. Times are the events' `eventTime` in RFC 3339 UTC with nine
 * fraction digits (text order is time order); JSON columns are text. `key` columns are the JSON
 * array `["namespace","name"]`, unambiguous whatever characters the names hold.
 */

/** Every accepted event, once: identified by the SHA-256 of its RFC 8785 canonical JSON. */
export interface OlEventTable {
  event_hash: string;
  kind: 'RunEvent' | 'DatasetEvent' | 'JobEvent';
  event_type: string | null;
  event_time: string;
  run_id: string | null;
  job_key: string | null;
  dataset_key: string | null;
  producer: string;
  /** The event as received, in canonical JSON: its SHA-256 is `event_hash`. */
  event: string;
  received_at: string;
  ledger_index: number;
}

export interface OlNamespaceTable {
  name: string;
  created_at: string;
  updated_at: string;
  ledger_index: number;
}

export interface OlJobTable {
  key: string;
  namespace: string;
  name: string;
  type: 'BATCH' | 'STREAM';
  description: string | null;
  location: string | null;
  /** Latest value of every job facet (JSON object). */
  facets: string;
  parent_job_namespace: string | null;
  parent_job_name: string | null;
  parent_run_id: string | null;
  /** The job's current inputs and outputs (JSON arrays of dataset keys), mirrored in ol_job_io. */
  inputs: string;
  outputs: string;
  /** The run whose datasets are the current ones (null when a JobEvent declared them). */
  io_run_id: string | null;
  io_time: string | null;
  /** 1 once a run finished or a JobEvent declared the datasets; until then the latest run's datasets stand in. */
  io_settled: number;
  created_at: string;
  updated_at: string;
  ledger_index: number;
  updated_index: number;
}

/** The lineage graph's edges: a job's current input and output datasets. */
export interface OlJobIoTable {
  job_key: string;
  dataset_key: string;
  io_type: 'INPUT' | 'OUTPUT';
}

export interface OlRunTable {
  run_id: string;
  job_key: string;
  state: 'NEW' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';
  /** eventTime of the event that set `state`. */
  state_time: string | null;
  parent_run_id: string | null;
  parent_job_namespace: string | null;
  parent_job_name: string | null;
  nominal_start_time: string | null;
  nominal_end_time: string | null;
  started_at: string | null;
  ended_at: string | null;
  /** Latest value of every run facet (JSON object). */
  facets: string;
  /** JSON arrays of `{ namespace, name, version }`: what the run read (the version current then) and wrote. */
  inputs: string;
  outputs: string;
  created_at: string;
  updated_at: string;
  ledger_index: number;
  updated_index: number;
}

export interface OlRunStateTable {
  run_id: string;
  state: OlRunTable['state'];
  event_time: string;
  ledger_index: number;
}

export interface OlDatasetTable {
  key: string;
  namespace: string;
  name: string;
  type: 'DB_TABLE' | 'STREAM';
  physical_name: string;
  source_name: string;
  description: string | null;
  /** From the latest schema facet: JSON array of `{ name, type, tags, description }`. */
  fields: string;
  /** Latest value of every dataset facet (JSON object). */
  facets: string;
  column_lineage: string | null;
  current_version: string | null;
  created_at: string;
  updated_at: string;
  last_modified_at: string | null;
  ledger_index: number;
  updated_index: number;
}

/** A version of a dataset: one per run that wrote it as an output. */
export interface OlDatasetVersionTable {
  version: string;
  dataset_key: string;
  run_id: string | null;
  fields: string;
  facets: string;
  output_facets: string;
  column_lineage: string | null;
  created_at: string;
  updated_at: string;
  ledger_index: number;
  updated_index: number;
}

/** A registered model: its owner, use case and risk tier (from the policy pack). */
export interface ModelTable {
  name: string;
  owner: string;
  use_case: string;
  risk_tier: string;
  description: string;
  created_by: string;
  created_at: string;
  ledger_index: number;
}

export type ModelVersionState = 'draft' | 'validated' | 'approved' | 'deployed' | 'retired' | 'rejected' | 'suspended';

export interface ModelVersionTable {
  id: string;
  model: string;
  version: string;
  state: ModelVersionState;
  /** JSON [{ name, digest }] */
  artifacts: string;
  run_id: string | null;
  /** Who trained it (the run's trainer): never an approver. */
  trainer: string | null;
  /** JSON: the data classes of everything upstream of its training run. */
  data_classes: string;
  model_card: string;
  author: string;
  submitted_by: string | null;
  /** JSON arrays, set when submitted for review; what an approval is for. */
  use_cases: string | null;
  zones: string | null;
  approval_expires_at: string | null;
  /** SHA-256 over the version's evidence (kind, digest) list: what an approval names. */
  evidence_set: string;
  created_at: string;
  ledger_index: number;
  state_index: number;
}

export interface EvidenceDocumentTable {
  digest: string;
  media_type: string;
  content: Uint8Array;
}

export interface VersionEvidenceTable {
  id: string;
  version_id: string;
  kind: string;
  digest: string;
  title: string;
  metrics: string | null;
  author: string;
  added_at: string;
  ledger_index: number;
}

export interface ApprovalTable {
  id: string;
  version_id: string;
  role: string;
  approver: string;
  evidence_set: string;
  reason: string;
  at: string;
  /** 0 once evidence changed after it: the reviewers are asked again. */
  valid: number;
  ledger_index: number;
}

export interface WaiverTable {
  id: string;
  version_id: string;
  rule: string;
  reason: string;
  requested_by: string;
  state: 'requested' | 'approved' | 'rejected';
  decided_by: string | null;
  expires_at: string;
  ledger_index: number;
}

/** One deployment of a version to a zone/environment; the previous version is its rollback target. */
export interface DeploymentTable {
  id: string;
  model: string;
  version_id: string;
  zone: string;
  environment: string;
  previous_version_id: string | null;
  /** `suspended`: its version was suspended; it still holds the slot (a rollback or deploy ends it), admission refuses it. */
  state: 'active' | 'suspended' | 'superseded' | 'rolled_back' | 'retired';
  deployed_by: string;
  reason: string;
  started_at: string;
  ended_at: string | null;
  rollback_of: string | null;
  ledger_index: number;
}

/** A compliance package: requested (ledgered) before it is built, completed with its digest after. */
export interface ExportTable {
  id: string;
  /** The scope as JSON. */
  scope: string;
  reason: string;
  requested_by: string;
  requested_at: string;
  request_index: number;
  checkpoint_size: number;
  entries: number;
  state: 'building' | 'completed' | 'failed';
  sha256: string | null;
  size: number | null;
  completion_index: number | null;
  error: string | null;
}
