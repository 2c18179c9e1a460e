import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from './store.js';

/**
 * The one set of migrations for both stores. Types are spelled per dialect where the two differ
 * (binary and 64-bit integers); everything else is common SQL.
 */
export function migrations(dialect: StoreDialect): MigrationProvider {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  const int64 = dialect === 'postgres' ? 'bigint' : 'integer';
  const all: Record<string, Migration> = {
    '0001_ledger': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('cairn_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('size', int64, (c) => c.notNull())
          .addColumn('last_time', 'text', (c) => c.notNull())
          .execute();
        await sql`insert into log_head (id, size, last_time) values (1, 0, '')`.execute(db);
        await db.schema
          .createTable('log_entries')
          .addColumn('idx', int64, (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text')
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('leaf', bytes, (c) => c.notNull())
          .addColumn('hashes', bytes, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_checkpoints')
          .addColumn('size', int64, (c) => c.primaryKey())
          .addColumn('root_hash', bytes, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('signed_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', bytes, (c) => c.notNull().unique())
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('principal_type', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .addColumn('created_by', 'text')
          .execute();
      },
    },
    '0002_identity_policy': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('api_tokens').addColumn('scopes', 'text').execute();
        await db.schema.createIndex('api_tokens_principal').on('api_tokens').column('principal').execute();
        await db.schema
          .createTable('elevations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('elevations_principal').on('elevations').columns(['principal', 'expires_at']).execute();
        await db.schema
          .createTable('alerts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('principal', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('ledger_index', int64)
          .execute();
        await db.schema
          .createTable('policy_versions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('base_hash', 'text')
          .addColumn('diff', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('proposed_by', 'text', (c) => c.notNull())
          .addColumn('proposed_at', 'text', (c) => c.notNull())
          .addColumn('proposal_index', int64, (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', 'text')
          .addColumn('decision_reason', 'text')
          .addColumn('decision_index', int64)
          .execute();
        await db.schema.createIndex('policy_versions_status').on('policy_versions').column('status').execute();
      },
    },
    '0003_lineage': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('dataset_versions')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('source_system', 'text')
          .addColumn('data_classes', 'text', (c) => c.notNull())
          .addColumn('declared_classes', 'text', (c) => c.notNull())
          .addColumn('legal_basis', 'text')
          .addColumn('consent_status', 'text')
          .addColumn('retention_class', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('object_count', int64, (c) => c.notNull())
          .addColumn('total_bytes', int64, (c) => c.notNull())
          .addColumn('derivation', 'text')
          .addColumn('declassifications', 'text', (c) => c.notNull())
          .addColumn('registered_by', 'text', (c) => c.notNull())
          .addColumn('registered_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('state_index', int64, (c) => c.notNull())
          .addColumn('certified_at', 'text')
          .execute();
        await db.schema.createIndex('dataset_versions_name').on('dataset_versions').column('name').execute();
        await db.schema
          .createTable('dataset_manifests')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('manifest', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('training_runs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('record', 'text', (c) => c.notNull())
          .addColumn('trainer', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('lineage_complete', 'integer')
          .addColumn('missing', 'text')
          .addColumn('bundle', 'text')
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('completion_index', int64)
          .execute();
        await db.schema
          .createTable('lineage_edges')
          .addColumn('src', 'text', (c) => c.notNull())
          .addColumn('dst', 'text', (c) => c.notNull())
          .addColumn('relation', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addPrimaryKeyConstraint('lineage_edges_pk', ['src', 'dst', 'relation'])
          .execute();
        await db.schema.createIndex('lineage_edges_dst').on('lineage_edges').column('dst').execute();
        await db.schema
          .createTable('lineage_nodes')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
      },
    },
    '0004_openlineage': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('ol_events')
          .addColumn('event_hash', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text')
          .addColumn('event_time', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('job_key', 'text')
          .addColumn('dataset_key', 'text')
          .addColumn('producer', 'text', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ol_events_run').on('ol_events').column('run_id').execute();
        await db.schema.createIndex('ol_events_time').on('ol_events').column('event_time').execute();
        await db.schema
          .createTable('ol_namespaces')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('ol_jobs')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('namespace', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('location', 'text')
          .addColumn('facets', 'text', (c) => c.notNull())
          .addColumn('parent_job_namespace', 'text')
          .addColumn('parent_job_name', 'text')
          .addColumn('parent_run_id', 'text')
          .addColumn('inputs', 'text', (c) => c.notNull())
          .addColumn('outputs', 'text', (c) => c.notNull())
          .addColumn('io_run_id', 'text')
          .addColumn('io_time', 'text')
          .addColumn('io_settled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('updated_index', int64, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('ol_job_io')
          .addColumn('job_key', 'text', (c) => c.notNull())
          .addColumn('dataset_key', 'text', (c) => c.notNull())
          .addColumn('io_type', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('ol_job_io_pk', ['job_key', 'dataset_key', 'io_type'])
          .execute();
        await db.schema.createIndex('ol_job_io_dataset').on('ol_job_io').column('dataset_key').execute();
        await db.schema
          .createTable('ol_runs')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('job_key', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('state_time', 'text')
          .addColumn('parent_run_id', 'text')
          .addColumn('parent_job_namespace', 'text')
          .addColumn('parent_job_name', 'text')
          .addColumn('nominal_start_time', 'text')
          .addColumn('nominal_end_time', 'text')
          .addColumn('started_at', 'text')
          .addColumn('ended_at', 'text')
          .addColumn('facets', 'text', (c) => c.notNull())
          .addColumn('inputs', 'text', (c) => c.notNull())
          .addColumn('outputs', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('updated_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ol_runs_job').on('ol_runs').columns(['job_key', 'created_at']).execute();
        await db.schema
          .createTable('ol_run_states')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('event_time', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addPrimaryKeyConstraint('ol_run_states_pk', ['run_id', 'ledger_index'])
          .execute();
        await db.schema
          .createTable('ol_datasets')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('namespace', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('physical_name', 'text', (c) => c.notNull())
          .addColumn('source_name', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('facets', 'text', (c) => c.notNull())
          .addColumn('column_lineage', 'text')
          .addColumn('current_version', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('last_modified_at', 'text')
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('updated_index', int64, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('ol_dataset_versions')
          .addColumn('version', 'text', (c) => c.primaryKey())
          .addColumn('dataset_key', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('facets', 'text', (c) => c.notNull())
          .addColumn('output_facets', 'text', (c) => c.notNull())
          .addColumn('column_lineage', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('updated_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ol_dataset_versions_dataset').on('ol_dataset_versions').column('dataset_key').execute();
      },
    },
    '0005_registry': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('models')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('use_case', 'text', (c) => c.notNull())
          .addColumn('risk_tier', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('model_versions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('artifacts', 'text', (c) => c.notNull())
          .addColumn('run_id', 'text')
          .addColumn('trainer', 'text')
          .addColumn('data_classes', 'text', (c) => c.notNull())
          .addColumn('model_card', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('submitted_by', 'text')
          .addColumn('use_cases', 'text')
          .addColumn('zones', 'text')
          .addColumn('approval_expires_at', 'text')
          .addColumn('evidence_set', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('state_index', int64, (c) => c.notNull())
          .addUniqueConstraint('model_versions_model_version', ['model', 'version'])
          .execute();
        await db.schema
          .createTable('evidence_documents')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('media_type', 'text', (c) => c.notNull())
          .addColumn('content', bytes, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('version_evidence')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('version_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('metrics', 'text')
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('version_evidence_version').on('version_evidence').column('version_id').execute();
        await db.schema
          .createTable('approvals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('version_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('approver', 'text', (c) => c.notNull())
          .addColumn('evidence_set', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('valid', 'integer', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('approvals_version').on('approvals').column('version_id').execute();
        await db.schema
          .createTable('waivers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('version_id', 'text', (c) => c.notNull())
          .addColumn('rule', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('deployments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('version_id', 'text', (c) => c.notNull())
          .addColumn('zone', 'text', (c) => c.notNull())
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('previous_version_id', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('deployed_by', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('ended_at', 'text')
          .addColumn('rollback_of', 'text')
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('deployments_zone').on('deployments').columns(['zone', 'environment', 'model', 'started_at']).execute();
      },
    },
    '0006_exports': {
      async up(db: Kysely<unknown>) {
        // Scopes by subject (`--subject KIND:ID`, a model's lineage) read entries by subject.
        await db.schema.createIndex('log_entries_subject').on('log_entries').column('subject').execute();
        await db.schema
          .createTable('exports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('request_index', int64, (c) => c.notNull())
          .addColumn('checkpoint_size', int64, (c) => c.notNull())
          .addColumn('entries', int64, (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text')
          .addColumn('size', int64)
          .addColumn('completion_index', int64)
          .addColumn('error', 'text')
          .execute();
      },
    },
    '0007_identity': {
      async up(db: Kysely<unknown>) {
        // Principals are records of their own: who proposed each identity, who vouched for it.
        await db.schema
          .createTable('principals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('display_name', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('vouched_by', 'text', (c) => c.notNull())
          .addColumn('credential_hash', bytes)
          .addColumn('proposed_by', 'text', (c) => c.notNull())
          .addColumn('proposed_at', 'text', (c) => c.notNull())
          .addColumn('proposal_reason', 'text', (c) => c.notNull())
          .addColumn('approved_by', 'text')
          .addColumn('approved_at', 'text')
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addColumn('state_index', int64, (c) => c.notNull())
          .execute();
        // Everyone who shaped a version (author, trainer, every submitter, evidence authors), as persons.
        await db.schema
          .createTable('version_participants')
          .addColumn('version_id', 'text', (c) => c.notNull())
          .addColumn('person', 'text', (c) => c.notNull())
          .addColumn('part', 'text', (c) => c.notNull())
          .addColumn('ledger_index', int64, (c) => c.notNull())
          .addPrimaryKeyConstraint('version_participants_pk', ['version_id', 'person', 'part'])
          .execute();
        await db.schema.alterTable('dataset_versions').addColumn('pending_declassification', 'text').execute();
        await db.schema.alterTable('api_tokens').addColumn('no_expiry_reason', 'text').execute();
      },
    },
    '0008_manifest_parts': {
      async up(db: Kysely<unknown>) {
        // A streamed manifest is stored in pieces while it arrives (bounded memory); the
        // registration's transaction then only names the upload they belong to.
        await db.schema
          .createTable('dataset_manifest_parts')
          .addColumn('upload', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('part', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('dataset_manifest_parts_pk', ['upload', 'seq'])
          .execute();
        // Out of line but uncompressed: compressing 58 MB of hex digests as they arrive costs the
        // database more CPU than the disk it saves, on the machine that serves every other request.
        if (dialect === 'postgres') await sql`alter table dataset_manifest_parts alter column part set storage external`.execute(db);
        await db.schema.alterTable('dataset_manifests').addColumn('upload', 'text').execute();
      },
    },
  };
  return { getMigrations: async () => all };
}
