import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { AdmissionOptions } from '../../src/deployments/index.js';
import type { Actor } from '../../src/ledger/entry.js';
import { addEdge, addNode } from '../../src/lineage/graph.js';
import type { Cairn } from '../../src/server.js';
import type { Database, ModelVersionState } from '../../src/store/schema.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { digestOf } from '../helpers/lineage.js';
import type { StoreLocation } from '../helpers/stores.js';

/** This folder's fixtures in the source tree (tests run from dist/). */
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/deployments/fixtures');

/** On hipaa-ai's image allow-list in the example pack: hipaa-ai requires signed images, so every image there must be pinned and vouched for. */
export const TRITON = 'registry.internal/serving/triton@sha256:42ed3d32045e32fe35d5216d3c22f1f2acbead88d9615673d7921976ed641ccf';

export function admissionFixture(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'admission', file), 'utf8')) as Record<string, any>;
}

export const seedActor: Actor = { id: 'registry-seed', type: 'system', auth: 'system' };

export interface SeedVersion {
  readonly id: string;
  readonly version: string;
  readonly state?: ModelVersionState;
  readonly dataClasses?: readonly string[];
  readonly useCases?: readonly string[] | null;
  readonly zones?: readonly string[] | null;
  /** Default: 90 days from now. */
  readonly approvalExpiresAt?: string | null;
  /** Default: one artifact whose digest is `digestOf(id)`. */
  readonly artifacts?: readonly { name: string; digest: string }[];
}

export interface SeedModel {
  readonly name: string;
  readonly useCase: string;
  readonly riskTier?: string;
  readonly versions: readonly SeedVersion[];
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/**
 * Writes `models` and `model_versions` rows as the registry leaves them once a version is approved,
 * under a real ledger entry (`custom.test-seed`), with the registry's lineage (artifact → version).
 * Deployment tests do not depend on the registry's code, only on its tables.
 */
export async function seedModel(cairn: Cairn, m: SeedModel): Promise<void> {
  await cairn.ledger.append({
    actor: seedActor,
    entries: [{ kind: 'custom.test-seed', subject: `model:${m.name}`, body: { model: m.name, versions: m.versions.map((v) => v.id) } }],
    apply: async (trx, [entry]) => {
      const index = entry!.index;
      const time = entry!.entry.time;
      const exists = await trx.selectFrom('models').select('name').where('name', '=', m.name).executeTakeFirst();
      if (!exists) {
        await trx.insertInto('models').values({ name: m.name, owner: 'ml-platform', use_case: m.useCase, risk_tier: m.riskTier ?? 'high', description: m.name, created_by: 'erin', created_at: time, ledger_index: index }).execute();
      }
      for (const v of m.versions) await insertVersion(trx, m, v, index, time);
    },
  });
}

async function insertVersion(trx: Kysely<Database>, m: SeedModel, v: SeedVersion, index: number, time: string): Promise<void> {
  const artifacts = v.artifacts ?? [{ name: `${m.name}-${v.version}.onnx`, digest: digestOf(v.id) }];
  await trx
    .insertInto('model_versions')
    .values({
      id: v.id,
      model: m.name,
      version: v.version,
      state: v.state ?? 'approved',
      artifacts: JSON.stringify(artifacts),
      run_id: null,
      trainer: 'erin',
      data_classes: JSON.stringify(v.dataClasses ?? ['internal']),
      model_card: `# ${m.name} ${v.version}`,
      author: 'erin',
      submitted_by: 'erin',
      use_cases: v.useCases === null ? null : JSON.stringify(v.useCases ?? [m.useCase]),
      zones: v.zones === null ? null : JSON.stringify(v.zones ?? ['standard-ai']),
      approval_expires_at: v.approvalExpiresAt === undefined ? inDays(90) : v.approvalExpiresAt,
      evidence_set: digestOf(`evidence:${v.id}`),
      created_at: time,
      ledger_index: index,
      state_index: index,
    })
    .execute();
  await addNode(trx, `model-version:${v.id}`, 'model-version', `${m.name}@${v.version}`, index);
  for (const a of artifacts) {
    await addNode(trx, `artifact:${a.digest}`, 'artifact', a.name, index);
    await addEdge(trx, `artifact:${a.digest}`, `model-version:${v.id}`, 'registered_as', index);
  }
}

/** Changes a version's row as the registry would (suspend, retire, expire), under a ledger entry. */
export async function updateVersion(cairn: Cairn, id: string, set: { state?: ModelVersionState; approval_expires_at?: string | null }): Promise<void> {
  await cairn.ledger.append({
    actor: seedActor,
    entries: [{ kind: 'custom.test-seed', subject: `model-version:${id}`, body: { id, set: { ...set } } }],
    apply: async (trx) => {
      await trx.updateTable('model_versions').set(set).where('id', '=', id).execute();
    },
  });
}

/** A real server on loopback (helpers/cairn.ts) with admission settings. */
export function startCairnWith(location: StoreLocation, admission: AdmissionOptions, now?: () => number): Promise<RunningCairn> {
  return startCairn(location, { admission, ...(now ? { now } : {}) });
}

/** Entries of one kind, in order. */
export async function entriesOfKind(cairn: Cairn, kind: string) {
  await cairn.ledger.flush();
  return (await cairn.ledger.entries(0, await cairn.ledger.size())).filter((e) => e.entry.kind === kind);
}
