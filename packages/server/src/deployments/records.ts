import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, DeploymentTable, ModelVersionState, ModelVersionTable } from '../store/schema.js';

export type DeploymentState = DeploymentTable['state'];

/** The states in which a deployment holds its slot (at most one per slot). */
export const SLOT_HOLDING_STATES: readonly DeploymentState[] = ['active', 'suspended'];

/** One deployment of a model version to a zone and environment, as the API returns it. */
export interface Deployment {
  readonly id: string;
  readonly model: string;
  readonly versionId: string;
  /** The version's number (`1.4.0`), for people; `versionId` is what identifies it. */
  readonly version: string | null;
  readonly zone: string;
  readonly environment: string;
  /** The version this deployment falls back to on rollback (null: nothing to roll back to). */
  readonly previousVersionId: string | null;
  readonly state: DeploymentState;
  readonly deployedBy: string;
  readonly reason: string;
  readonly startedAt: string;
  /** When it stopped holding its slot (superseded, rolled back, retired); null while active or suspended. */
  readonly endedAt: string | null;
  /** The deployment this one rolled back, if it was made by a rollback. */
  readonly rollbackOf: string | null;
  readonly ledgerIndex: number;
}

/**
 * A deployment only ever leaves `active`; the three ends are final. `suspended` is not an end: the
 * version was suspended, admission refuses it, and the deployment keeps its slot until a rollback,
 * a deploy of another version (or of the same one, approved again) or a retirement ends it.
 */
export const NEXT_STATES: Readonly<Record<DeploymentState, readonly DeploymentState[]>> = {
  active: ['suspended', 'superseded', 'rolled_back', 'retired'],
  suspended: ['superseded', 'rolled_back', 'retired'],
  superseded: [],
  rolled_back: [],
  retired: [],
};

/** What the deployment rules need to know of a model version (its row, parsed once). */
export interface VersionFacts {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly state: ModelVersionState;
  readonly artifacts: readonly { readonly name: string; readonly digest: string }[];
  readonly dataClasses: readonly string[];
  readonly useCases: readonly string[] | null;
  readonly zones: readonly string[] | null;
  readonly approvalExpiresAt: string | null;
}

export function versionFacts(r: ModelVersionTable): VersionFacts {
  return {
    id: r.id,
    model: r.model,
    version: r.version,
    state: r.state,
    artifacts: JSON.parse(r.artifacts) as VersionFacts['artifacts'],
    dataClasses: JSON.parse(r.data_classes) as string[],
    useCases: r.use_cases === null ? null : (JSON.parse(r.use_cases) as string[]),
    zones: r.zones === null ? null : (JSON.parse(r.zones) as string[]),
    approvalExpiresAt: r.approval_expires_at,
  };
}

type DeploymentRow = DeploymentTable & { version: string | null };

export function toDeployment(r: DeploymentRow): Deployment {
  return {
    id: r.id,
    model: r.model,
    versionId: r.version_id,
    version: r.version,
    zone: r.zone,
    environment: r.environment,
    previousVersionId: r.previous_version_id,
    state: r.state,
    deployedBy: r.deployed_by,
    reason: r.reason,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    rollbackOf: r.rollback_of,
    ledgerIndex: Number(r.ledger_index),
  };
}

/** Deployments with their version number: the one query every read starts from. */
export function selectDeployments(db: Kysely<Database>) {
  return db
    .selectFrom('deployments as d')
    .leftJoin('model_versions as v', 'v.id', 'd.version_id')
    .selectAll('d')
    .select('v.version as version');
}

/** A model's place in one zone and environment: at most one deployment of it is active there. */
export interface Slot {
  readonly model: string;
  readonly zone: string;
  readonly environment: string;
}

export const slotKey = (s: Slot): string => JSON.stringify([s.model, s.zone, s.environment]);

export const newDeploymentId = (): string => `dep_${crypto.randomBytes(9).toString('base64url')}`;
