import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { actorOf, type Principal } from '../auth/principal.js';
import { isRole } from '../auth/permissions.js';
import { normalisePrincipalId, personOf } from '../auth/person.js';
import type { Principals } from '../auth/principals.js';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import { recordingRefusals, refuse, RefusalInTransaction } from '../governance/refusals.js';
import type { Actor, JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import { addEdge, addNode, nodeKey } from '../lineage/graph.js';
import type { Runs } from '../lineage/runs.js';
import { evaluateSeparation, type Decision, type Participation } from '../policy/index.js';
import type { Database, ModelVersionState, ModelVersionTable, VersionParticipantTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { withdrawDeployments } from '../deployments/withdraw-deployments.js';
import { evidenceSetDigest, newId, toApproval, toEvidence, toModel, toVersion, toWaiver, type Approval, type Evidence, type Model, type ModelVersion, type Waiver } from './records.js';
import { runLineage } from './lineage-rules.js';
import { evaluateValidation } from './tier-rules.js';

const NEXT: Record<ModelVersionState, ModelVersionState[]> = {
  draft: ['validated', 'rejected'],
  validated: ['approved', 'rejected', 'suspended'],
  approved: ['deployed', 'validated', 'suspended', 'retired'],
  deployed: ['suspended', 'retired'],
  suspended: ['validated', 'retired'],
  rejected: [],
  retired: [],
};

/** Without a `waivers` section in the policy pack: who approves waivers, and for how long at most. */
export const DEFAULT_WAIVER_RULES = { approver_roles: ['reviewer:model-risk', 'reviewer:compliance'], max_days: 90 } as const;
const versionKey = (id: string) => `model-version:${id}`;

export interface NewVersion {
  readonly model: string;
  readonly version: string;
  readonly artifacts: readonly { name: string; digest: string }[];
  readonly runId?: string | undefined;
  readonly modelCard: string;
}

export interface NewEvidence {
  readonly kind: string;
  readonly title: string;
  readonly mediaType: string;
  /** The document itself (stored content-addressed; the ledger holds its digest). */
  readonly content: Uint8Array;
  readonly metrics?: Record<string, number> | undefined;
}

/** A version with everything a reviewer needs on one screen. */
export interface VersionDossier extends ModelVersion {
  readonly modelRecord: Model;
  readonly evidence: readonly Evidence[];
  readonly approvals: readonly Approval[];
  readonly waivers: readonly Waiver[];
  /** Approvals the tier still needs, by role. */
  readonly pending: readonly { role: string; count: number }[];
}

/**
 * The model registry: models (owner, use case, risk tier), versions (artifacts, training run,
 * model card), evidence, validation against the tier, approvals with separation of duties,
 * waivers. Every transition is one ledger entry with the rows it changes, checked again inside
 * the transaction so that concurrent calls are serialised, never lost or doubled.
 */
export class Registry {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #runs: Runs;
  readonly #principals: Principals;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, runs: Runs, principals: Principals) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#runs = runs;
    this.#principals = principals;
  }

  async createModel(actor: Actor, m: { name: string; owner: string; useCase: string; riskTier: string; description: string }): Promise<Model> {
    const { policy } = await this.#policies.active();
    const tiers = policy.pack.risk_tiers;
    if (!Object.hasOwn(tiers, m.riskTier)) throw new CairnError('unknown_risk_tier', `risk tier ${m.riskTier} is not in the active policy`, { details: { known: Object.keys(tiers) } });
    const home = Object.entries(tiers).find(([, t]) => t.use_cases?.includes(m.useCase))?.[0];
    if (home && home !== m.riskTier) throw new CairnError('unknown_risk_tier', `use case ${m.useCase} belongs to the ${home} tier, not ${m.riskTier}`, { details: { tier: home } });
    if (await this.#store.db.selectFrom('models').select('name').where('name', '=', m.name).executeTakeFirst()) throw new CairnError('model_exists', `model ${m.name} exists`);
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'model.registered', subject: `model:${m.name}`, body: { ...m } }],
      apply: async (trx, [e]) => {
        await trx.insertInto('models').values({ name: m.name, owner: m.owner, use_case: m.useCase, risk_tier: m.riskTier, description: m.description, created_by: actor.id, created_at: e!.entry.time, ledger_index: e!.index }).execute();
      },
    });
    return this.model(m.name);
  }

  async model(name: string): Promise<Model> {
    const r = await this.#store.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) throw new CairnError('model_not_found', `no model ${name}`);
    return toModel(r);
  }

  async models(): Promise<Model[]> {
    return (await this.#store.db.selectFrom('models').selectAll().orderBy('name').execute()).map(toModel);
  }

  async createVersion(actor: Actor, v: NewVersion): Promise<ModelVersion> {
    await this.model(v.model);
    let trainer: string | null = null;
    let trainerPerson: string | null = null;
    let dataClasses: string[] = [];
    if (v.runId) {
      const run = await this.#runs.get(v.runId);
      trainer = run.trainer;
      trainerPerson = (await this.#principals.resolve(run.trainer))?.person ?? normalisePrincipalId(run.trainer);
      dataClasses = [...new Set(run.inputs.flatMap((i) => i.dataClasses ?? []))].sort();
    }
    const id = newId('mv');
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'model_version.registered', subject: versionKey(id), body: { id, model: v.model, version: v.version, artifacts: v.artifacts.map((a) => ({ ...a })), runId: v.runId ?? null, dataClasses, modelCardDigest: sha256(v.modelCard) } }],
      apply: async (trx, [e]) => {
        const clash = await trx.selectFrom('model_versions').select('id').where('model', '=', v.model).where('version', '=', v.version).executeTakeFirst();
        if (clash) throw new CairnError('model_exists', `model ${v.model} already has version ${v.version}`);
        await trx
          .insertInto('model_versions')
          .values({ id, model: v.model, version: v.version, state: 'draft', artifacts: JSON.stringify(v.artifacts), run_id: v.runId ?? null, trainer, data_classes: JSON.stringify(dataClasses), model_card: v.modelCard, author: actor.id, submitted_by: null, use_cases: null, zones: null, approval_expires_at: null, evidence_set: evidenceSetDigest(id, []), created_at: e!.entry.time, ledger_index: e!.index, state_index: e!.index })
          .execute();
        await participate(trx, id, personOf(actor), 'author', e!.index);
        if (trainerPerson !== null) await participate(trx, id, trainerPerson, 'trainer', e!.index);
        await addNode(trx, versionKey(id), 'model-version', `${v.model}@${v.version}`, e!.index);
        for (const a of v.artifacts) {
          await addNode(trx, nodeKey('artifact', a.digest), 'artifact', a.name, e!.index);
          await addEdge(trx, nodeKey('artifact', a.digest), versionKey(id), 'registered_as', e!.index);
        }
        if (v.runId && !v.artifacts.length) await addEdge(trx, nodeKey('run', v.runId), versionKey(id), 'produced', e!.index);
      },
    });
    return this.version(id);
  }

  async version(id: string): Promise<ModelVersion> {
    const r = await this.#store.db.selectFrom('model_versions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new CairnError('model_version_not_found', `no model version ${id}`);
    return toVersion(r);
  }

  async versions(model: string): Promise<ModelVersion[]> {
    return (await this.#store.db.selectFrom('model_versions').selectAll().where('model', '=', model).orderBy('ledger_index', 'desc').execute()).map(toVersion);
  }

  async dossier(id: string): Promise<VersionDossier> {
    const v = await this.version(id);
    const db = this.#store.db;
    const [modelRecord, evidence, approvals, waivers] = await Promise.all([
      this.model(v.model),
      db.selectFrom('version_evidence').selectAll().where('version_id', '=', id).orderBy('ledger_index').execute(),
      db.selectFrom('approvals').selectAll().where('version_id', '=', id).orderBy('ledger_index').execute(),
      db.selectFrom('waivers').selectAll().where('version_id', '=', id).orderBy('ledger_index').execute(),
    ]);
    const valid = approvals.filter((a) => a.valid === 1);
    const { policy } = await this.#policies.active();
    const pending = (policy.pack.risk_tiers[modelRecord.riskTier]?.approvals ?? [])
      .map((r) => ({ role: r.role, count: r.count - valid.filter((a) => a.role === r.role).length }))
      .filter((p) => p.count > 0);
    return { ...v, modelRecord, evidence: evidence.map(toEvidence), approvals: approvals.map(toApproval), waivers: waivers.map(toWaiver), pending };
  }

  /** Evidence is stored by content digest; adding it after an approval sends the version back to review. */
  async addEvidence(actor: Actor, id: string, e: NewEvidence): Promise<VersionDossier> {
    const digest = `sha256:${crypto.createHash('sha256').update(e.content).digest('hex')}`;
    const evidenceId = newId('ev');
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'model_version.evidence_added', subject: versionKey(id), body: { id: evidenceId, versionId: id, kind: e.kind, title: e.title, digest, mediaType: e.mediaType, size: e.content.length, metrics: (e.metrics ?? null) as JsonObject | null } }],
      apply: async (trx, [entry]) => {
        const row = await this.#locked(trx, id);
        if (!['draft', 'validated', 'approved'].includes(row.state)) {
          throw new CairnError('invalid_state', `version ${id} is ${row.state}: evidence can only change before deployment (suspend it, or register a new version)`, { details: { state: row.state, allowed: NEXT[row.state] } });
        }
        await trx.insertInto('evidence_documents').values({ digest, media_type: e.mediaType, content: e.content }).onConflict((oc) => oc.column('digest').doNothing()).execute();
        await trx.insertInto('version_evidence').values({ id: evidenceId, version_id: id, kind: e.kind, digest, title: e.title, metrics: e.metrics ? JSON.stringify(e.metrics) : null, author: actor.id, added_at: entry!.entry.time, ledger_index: entry!.index }).execute();
        await participate(trx, id, personOf(actor), 'evidence', entry!.index);
        const all = await trx.selectFrom('version_evidence').select(['kind', 'digest']).where('version_id', '=', id).execute();
        const changes: Partial<ModelVersionTable> = { evidence_set: evidenceSetDigest(id, all) };
        // Approvals named the old evidence set: they no longer hold, and an approved version goes back to review.
        await trx.updateTable('approvals').set({ valid: 0 }).where('version_id', '=', id).execute();
        if (row.state === 'approved') Object.assign(changes, { state: 'validated', approval_expires_at: null, state_index: entry!.index });
        await trx.updateTable('model_versions').set(changes).where('id', '=', id).execute();
      },
    });
    return this.dossier(id);
  }

  async evidenceDocument(digest: string): Promise<{ mediaType: string; content: Uint8Array }> {
    const r = await this.#store.db.selectFrom('evidence_documents').selectAll().where('digest', '=', digest).executeTakeFirst();
    if (!r) throw new CairnError('model_version_not_found', `no evidence document ${digest}`);
    return { mediaType: r.media_type, content: r.content };
  }

  /** draft → validated, if the tier's evidence requirements hold (or are waived); every failure listed and recorded. */
  async validate(actor: Actor, id: string): Promise<{ version: ModelVersion; decision: Decision }> {
    const d0 = await this.dossier(id);
    this.#requireTransition(d0, 'validated');
    const { policy } = await this.#policies.active();
    const d = evaluateValidation(policy, d0.modelRecord.riskTier, d0.evidence, d0.waivers, await runLineage(this.#runs, d0.runId));
    if (!d.allowed) {
      const recorded = await this.#ledger.refusals.record(actor, { kind: 'model_version.validation_failed', subject: versionKey(id), body: { id, decision: d as unknown as JsonObject } });
      throw new CairnError('validation_failed', `version ${id} fails validation: ${d.reasons.join('; ')}`, { details: { decision: d, ...recorded } });
    }
    await this.#transition(actor, id, ['draft'], 'validated', 'model_version.validated', { decision: d as unknown as JsonObject, evidenceSet: d0.evidenceSet });
    return { version: await this.version(id), decision: d };
  }

  /**
   * Asks the tier's reviewers to approve the version for these use cases and zones. Approvals bind
   * to what was submitted: a re-submission that widens the use cases or zones withdraws every
   * approval (an approved version goes back to review); one that narrows them keeps them.
   */
  async submit(actor: Actor, id: string, useCases: readonly string[], zones: readonly string[]): Promise<VersionDossier> {
    const v = await this.dossier(id);
    const { policy } = await this.#policies.active();
    const unknown = zones.filter((z) => !Object.hasOwn(policy.pack.zones, z));
    if (unknown.length > 0) throw new CairnError('invalid_request', `unknown zones: ${unknown.join(', ')}`, { details: { known: Object.keys(policy.pack.zones) } });
    if (!useCases.includes(v.modelRecord.useCase)) throw new CairnError('invalid_request', `the use cases must include the model's own (${v.modelRecord.useCase})`);
    const widens = (now: readonly string[], before: readonly string[] | null) => before !== null && now.some((x) => !before.includes(x));
    const widened = widens(useCases, v.useCases) || widens(zones, v.zones);
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'model_version.submitted', subject: versionKey(id), body: { id, useCases: [...useCases], zones: [...zones], evidenceSet: v.evidenceSet, withdrawsApprovals: widened } }],
      apply: async (trx, [e]) => {
        const row = await this.#locked(trx, id);
        if (row.state !== 'validated' && row.state !== 'approved') {
          throw new CairnError('invalid_state', `version ${id} is ${row.state}; only a validated (or approved, to change its scope) version is submitted for review`, { details: { state: row.state, allowed: NEXT[row.state] } });
        }
        if (row.use_cases !== jsonOrNull(v.useCases) || row.zones !== jsonOrNull(v.zones)) throw new CairnError('invalid_state', `version ${id} was re-submitted meanwhile; try again`);
        const changes: Partial<ModelVersionTable> = { submitted_by: actor.id, use_cases: JSON.stringify(useCases), zones: JSON.stringify(zones) };
        if (widened) {
          // The approvals named a narrower scope: they do not cover what is asked now.
          await trx.updateTable('approvals').set({ valid: 0 }).where('version_id', '=', id).execute();
          if (row.state === 'approved') Object.assign(changes, { state: 'validated', approval_expires_at: null, state_index: e!.index });
        }
        await trx.updateTable('model_versions').set(changes).where('id', '=', id).execute();
        await participate(trx, id, personOf(actor), 'submitter', e!.index);
      },
    });
    return this.dossier(id);
  }

  /**
   * A reviewer approves in one of the roles the tier names, naming the evidence set reviewed.
   * Separation of duties (policy/separation.ts), between persons: nobody who authored, trained,
   * submitted or added evidence to the version, and one approval per person. The last approval
   * the tier needs makes the version approved, until the tier's validity ends.
   */
  async approve(principal: Principal, id: string, role: string, evidenceSet: string, reason: string): Promise<{ version: VersionDossier; decision: Decision }> {
    const actor = actorOf(principal);
    const person = personOf(principal);
    const v = await this.dossier(id);
    const { policy } = await this.#policies.active();
    const tier = policy.pack.risk_tiers[v.modelRecord.riskTier];
    const refusal = { kind: 'model_version.approval_refused', subject: versionKey(id), body: { id, role } };
    const separation = async (trx: Kysely<Database>) =>
      evaluateSeparation('model_version.approve', 'approve it', person, await this.#participation(trx, id, true), policy.hash);
    const d = await separation(this.#store.db);
    if (!isRole(role) || !principal.roles.includes(role)) throw new CairnError('forbidden', `${actor.id} does not hold the role ${role}`, { details: { role, roles: principal.roles } });
    if (!d.allowed) await refuse(this.#ledger, actor, refusal, d);
    const needed = tier?.approvals.find((a) => a.role === role);
    if (!needed) throw new CairnError('approval_not_required', `the ${v.modelRecord.riskTier} tier needs no approval from ${role}`, { details: { required: tier?.approvals ?? [] } });
    const approvalId = newId('apr');
    const validityDays = tier!.approval_validity_days;
    await recordingRefusals(this.#ledger, actor, refusal, () =>
      this.#ledger.append({
        actor,
        entries: [{ kind: 'model_version.approval', subject: versionKey(id), body: { id: approvalId, versionId: id, role, evidenceSet, useCases: [...(v.useCases ?? [])], zones: [...(v.zones ?? [])], reason, decision: d as unknown as JsonObject } }],
        apply: async (trx, [entry]) => {
          // Everything again under the lock: concurrent approvals are serialised, never doubled.
          const row = await this.#locked(trx, id);
          if (row.state !== 'validated' || row.submitted_by === null) {
            throw new CairnError('invalid_state', `version ${id} is ${row.state}${row.submitted_by === null ? ' and not submitted for review' : ''}`, { details: { state: row.state, allowed: NEXT[row.state] } });
          }
          if (row.evidence_set !== evidenceSet) throw new CairnError('evidence_set_mismatch', `version ${id}'s evidence set is ${row.evidence_set}, not ${evidenceSet}: review the current evidence`, { details: { current: row.evidence_set } });
          if (row.use_cases !== jsonOrNull(v.useCases) || row.zones !== jsonOrNull(v.zones)) throw new CairnError('invalid_state', `version ${id} was re-submitted while you reviewed it; review the current submission`);
          const again = await separation(trx);
          if (!again.allowed) throw new RefusalInTransaction(again);
          const valid = await trx.selectFrom('approvals').selectAll().where('version_id', '=', id).where('valid', '=', 1).execute();
          if (valid.filter((a) => a.role === role).length >= needed.count) throw new CairnError('approval_not_required', `the ${role} approvals this tier needs are already given`);
          await trx.insertInto('approvals').values({ id: approvalId, version_id: id, role, approver: person, evidence_set: evidenceSet, reason, at: entry!.entry.time, valid: 1, ledger_index: entry!.index }).execute();
          const all = [...valid.map((a) => a.role), role];
          if (tier!.approvals.every((r) => all.filter((x) => x === r.role).length >= r.count)) {
            const expires = new Date(Date.parse(entry!.entry.time) + validityDays * 86_400_000).toISOString();
            await trx.updateTable('model_versions').set({ state: 'approved', approval_expires_at: expires, state_index: entry!.index }).where('id', '=', id).execute();
          }
        },
      }),
    );
    return { version: await this.dossier(id), decision: d };
  }

  async reject(actor: Actor, id: string, reason: string): Promise<ModelVersion> {
    await this.#transition(actor, id, ['draft', 'validated'], 'rejected', 'model_version.rejected', { reason });
    return this.version(id);
  }

  async suspend(actor: Actor, id: string, reason: string): Promise<ModelVersion> {
    await this.#transition(actor, id, ['validated', 'approved', 'deployed'], 'suspended', 'model_version.suspended', { reason });
    return this.version(id);
  }

  async retire(actor: Actor, id: string, reason: string): Promise<ModelVersion> {
    await this.#transition(actor, id, ['approved', 'deployed', 'suspended'], 'retired', 'model_version.retired', { reason });
    return this.version(id);
  }

  /** A written exception for one failed rule, with an expiry; visible on the version for ever. */
  async requestWaiver(actor: Actor, id: string, rule: string, reason: string, days: number): Promise<Waiver> {
    await this.version(id);
    const { policy } = await this.#policies.active();
    const maxDays = (policy.pack.waivers ?? DEFAULT_WAIVER_RULES).max_days;
    if (days > maxDays) throw new CairnError('invalid_request', `a waiver holds at most ${maxDays} days under the active policy`, { details: { maxDays } });
    const waiverId = newId('wvr');
    const expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
    await this.#ledger.append({
      actor,
      entries: [{ kind: 'model_version.waiver_requested', subject: versionKey(id), body: { id: waiverId, versionId: id, rule, reason, expiresAt } }],
      apply: async (trx, [e]) => {
        await trx.insertInto('waivers').values({ id: waiverId, version_id: id, rule, reason, requested_by: actor.id, state: 'requested', decided_by: null, expires_at: expiresAt, ledger_index: e!.index }).execute();
        await participate(trx, id, personOf(actor), 'waiver', e!.index);
      },
    });
    return this.#waiver(waiverId);
  }

  /** Decided by a role the policy names, and by nobody who requested a waiver on the version, authored, trained or submitted it. */
  async decideWaiver(principal: Principal, waiverId: string, approve: boolean, reason: string): Promise<Waiver> {
    const actor = actorOf(principal);
    const w = await this.#waiver(waiverId);
    const { policy } = await this.#policies.active();
    const separation = async (db: Kysely<Database>) => evaluateSeparation('model_version.waiver', 'decide it', personOf(principal), await this.#participation(db, w.versionId, false), policy.hash);
    const refusal = { kind: 'model_version.waiver_refused', subject: versionKey(w.versionId), body: { id: waiverId, versionId: w.versionId, rule: w.rule } };
    const d = await separation(this.#store.db);
    if (!d.allowed) await refuse(this.#ledger, actor, refusal, d);
    const approvers = (policy.pack.waivers ?? DEFAULT_WAIVER_RULES).approver_roles;
    if (!principal.roles.some((r) => approvers.includes(r))) {
      throw new CairnError('forbidden', `the active policy lets only ${approvers.join(', ')} decide waivers`, { details: { roles: principal.roles, approverRoles: approvers } });
    }
    await recordingRefusals(this.#ledger, actor, refusal, () =>
      this.#ledger.append({
        actor,
        entries: [{ kind: approve ? 'model_version.waiver_approved' : 'model_version.waiver_rejected', subject: versionKey(w.versionId), body: { id: waiverId, rule: w.rule, reason } }],
        apply: async (trx) => {
          const row = await trx.selectFrom('waivers').select('state').where('id', '=', waiverId).executeTakeFirstOrThrow();
          if (row.state !== 'requested') throw new CairnError('invalid_state', `waiver ${waiverId} is ${row.state}`, { details: { state: row.state, allowed: [] } });
          // Again inside the transaction, as for approvals: a part the decider took meanwhile (evidence, a submission) counts.
          const again = await separation(trx);
          if (!again.allowed) throw new RefusalInTransaction(again);
          await trx.updateTable('waivers').set({ state: approve ? 'approved' : 'rejected', decided_by: personOf(actor) }).where('id', '=', waiverId).execute();
        },
      }),
    );
    return this.#waiver(waiverId);
  }

  /** What waits for a reviewer role: submitted versions whose tier still needs that role. */
  async inbox(role: string): Promise<VersionDossier[]> {
    const rows = await this.#store.db.selectFrom('model_versions').select('id').where('state', '=', 'validated').where('submitted_by', 'is not', null).orderBy('ledger_index').execute();
    const dossiers = await Promise.all(rows.map((r) => this.dossier(r.id)));
    return dossiers.filter((d) => d.pending.some((p) => p.role === role));
  }

  /** Who took part in the version, as persons, part by part; with `approvals`, also who approved it already (one approval per person). */
  async #participation(trx: Kysely<Database>, id: string, approvals: boolean): Promise<Participation[]> {
    const rows = await trx.selectFrom('version_participants').select(['person', 'part']).where('version_id', '=', id).execute();
    const of = (part: VersionParticipantTable['part']) => rows.filter((r) => r.part === part).map((r) => r.person);
    const parts: Participation[] = [
      { part: 'author', persons: of('author'), did: 'authored this version' },
      { part: 'trainer', persons: of('trainer'), did: "trained this version's model" },
      { part: 'submitter', persons: of('submitter'), did: 'submitted this version for review' },
      { part: 'evidence_author', persons: of('evidence'), did: "added evidence to this version" },
      { part: 'waiver_requester', persons: of('waiver'), did: 'requested a waiver on this version' },
    ];
    if (approvals) {
      const given = await trx.selectFrom('approvals').select(['approver', 'role']).where('version_id', '=', id).where('valid', '=', 1).execute();
      parts.push({ part: 'one_approval_per_person', persons: given.map((a) => a.approver), did: `already approved this version (${given.map((a) => `${a.approver} as ${a.role}`).join(', ')})` });
    }
    return parts;
  }

  async #waiver(id: string): Promise<Waiver> {
    const r = await this.#store.db.selectFrom('waivers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new CairnError('waiver_not_found', `no waiver ${id}`);
    return toWaiver(r);
  }

  #requireTransition(v: ModelVersion, to: ModelVersionState): void {
    if (!NEXT[v.state].includes(to)) throw new CairnError('invalid_state', `version ${v.id} is ${v.state}; it cannot become ${to}`, { details: { state: v.state, allowed: NEXT[v.state] } });
  }

  async #locked(trx: Kysely<Database>, id: string): Promise<ModelVersionTable> {
    const row = await this.#store.forUpdate(trx.selectFrom('model_versions').selectAll().where('id', '=', id)).executeTakeFirst();
    if (!row) throw new CairnError('model_version_not_found', `no model version ${id}`);
    return row;
  }

  async #transition(actor: Actor, id: string, from: ModelVersionState[], to: ModelVersionState, kind: string, body: JsonObject): Promise<void> {
    const v = await this.version(id);
    this.#requireTransition(v, to);
    await this.#ledger.append({
      actor,
      entries: [{ kind, subject: versionKey(id), body: { id, from: v.state, to, ...body } }],
      apply: async (trx, [e]) => {
        const row = await this.#locked(trx, id);
        if (!from.includes(row.state)) throw new CairnError('invalid_state', `version ${id} is ${row.state}; it cannot become ${to}`, { details: { state: row.state, allowed: NEXT[row.state] } });
        await trx.updateTable('model_versions').set({ state: to, state_index: e!.index }).where('id', '=', id).execute();
        if (to === 'suspended' || to === 'retired') await withdrawDeployments(trx, id, to, e!.entry.time);
      },
    });
  }
}

const jsonOrNull = (value: readonly string[] | null) => (value === null ? null : JSON.stringify(value));

/** Records that a person took part in a version (once per part). */
async function participate(trx: Kysely<Database>, versionId: string, person: string, part: VersionParticipantTable['part'], index: number): Promise<void> {
  await trx.insertInto('version_participants').values({ version_id: versionId, person, part, ledger_index: index }).onConflict((oc) => oc.columns(['version_id', 'person', 'part']).doNothing()).execute();
}

function sha256(text: string): string {
  return `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;
}

