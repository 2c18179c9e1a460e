import crypto from 'node:crypto';
import type { DsseEnvelope } from '@cairn/verify';
import { actorOf, type Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import type { Actor, JsonObject } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Decision } from '../policy/index.js';
import type { Store } from '../store/store.js';
import type { TrainingRunTable } from '../store/schema.js';
import { evaluateRunInputs } from './dataset-rules.js';
import type { Datasets } from './datasets.js';
import { addEdge, addNode, nodeKey } from './graph.js';
import { builderId, provenanceStatement, signEnvelope } from './provenance.js';
import { normaliseRunInput } from './run-input.js';
import { requireKnownZone } from './run-placement.js';

export interface RunInput {
  readonly name: string;
  readonly inputs: readonly string[];
  /** Where the run trains: a zone of the active pack, where its inputs' data classes must be allowed. */
  readonly zone: string;
  /** The repository as a URI (run-input.ts converts git's scp-like form) and a full commit id. */
  readonly code?: { readonly repository: string; readonly commit: string } | undefined;
  /** `uri` is derived from `name` and the digest (`oci://…@sha256:…`), never given. */
  readonly image?: { readonly digest: string; readonly name?: string | undefined; readonly uri?: string | undefined } | undefined;
  readonly environment?: {
    readonly accelerator?: string | undefined;
    readonly driverVersion?: string | undefined;
    readonly cudaVersion?: string | undefined;
    readonly lockfileSha256?: string | undefined;
  } | undefined;
  readonly parameters?: Record<string, unknown> | undefined;
  readonly evaluator?: string | undefined;
}

export interface RunCompletion {
  readonly status: 'completed' | 'failed';
  readonly outputs: readonly { readonly name: string; readonly digest: string }[];
  readonly metrics?: Record<string, number> | undefined;
  readonly evaluator?: string | undefined;
}

/** Everything recorded about a run (stored as JSON; the bundle is built from it). */
export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly inputs: readonly { digest: string; name?: string; state?: string; dataClasses?: readonly string[] }[];
  /** Absent on runs recorded before zones were declared. */
  readonly zone?: string | undefined;
  readonly code?: RunInput['code'];
  readonly image?: RunInput['image'];
  readonly environment?: RunInput['environment'];
  readonly parameters?: Record<string, unknown> | undefined;
  readonly evaluator?: string | undefined;
  readonly metrics?: Record<string, number> | undefined;
  readonly outputs: readonly { name: string; digest: string }[];
  readonly startedAt: string;
  readonly endedAt?: string | undefined;
}

export interface TrainingRun extends RunRecord {
  readonly state: TrainingRunTable['state'];
  readonly trainer: string;
  readonly lineageComplete: boolean | null;
  readonly missing: readonly string[];
  /** The input decision recorded when the run started. */
  readonly ledgerIndex: number;
  readonly completionIndex: number | null;
}

/** The fields a complete lineage bundle needs; a run missing any is allowed but marked incomplete. */
export function missingLineage(run: RunRecord): string[] {
  const missing: string[] = [];
  if (run.inputs.length === 0) missing.push('inputs');
  if (!run.code?.repository) missing.push('code.repository');
  if (!run.code?.commit) missing.push('code.commit');
  if (!run.image?.digest) missing.push('image.digest');
  if (!run.environment?.lockfileSha256) missing.push('environment.lockfileSha256');
  if (!run.parameters || Object.keys(run.parameters).length === 0) missing.push('parameters');
  if (!run.metrics || Object.keys(run.metrics).length === 0) missing.push('metrics');
  if (!run.evaluator) missing.push('evaluator');
  if (run.outputs.length === 0) missing.push('outputs');
  if (!run.endedAt) missing.push('endedAt');
  return missing;
}

function toRun(r: TrainingRunTable): TrainingRun {
  const record = JSON.parse(r.record) as RunRecord;
  return {
    ...record,
    state: r.state,
    trainer: r.trainer,
    lineageComplete: r.lineage_complete === null ? null : r.lineage_complete === 1,
    missing: r.missing === null ? missingLineage(record) : (JSON.parse(r.missing) as string[]),
    ledgerIndex: Number(r.ledger_index),
    completionIndex: r.completion_index === null ? null : Number(r.completion_index),
  };
}

/**
 * Training runs: started with their inputs (checked by policy), code, image and environment;
 * completed with metrics and outputs, at which point Cairn signs the run's lineage bundle.
 */
export class Runs {
  readonly #store: Store;
  readonly #ledger: Ledger;
  readonly #policies: PolicyRegistry;
  readonly #datasets: Datasets;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, datasets: Datasets) {
    this.#store = store;
    this.#ledger = ledger;
    this.#policies = policies;
    this.#datasets = datasets;
  }

  async start(principal: Principal, request: RunInput): Promise<{ run: TrainingRun; decision: Decision }> {
    const input = normaliseRunInput(request);
    const actor = actorOf(principal);
    const { policy } = await this.#policies.active();
    requireKnownZone(policy, input.zone);
    const found = await Promise.all(input.inputs.map((d) => this.#datasets.find(d)));
    const d = evaluateRunInputs(policy, input.inputs.map((digest, i) => ({ digest, state: found[i]?.state, dataClasses: found[i]?.dataClasses })), input.zone);
    if (!d.allowed) {
      const recorded = await this.#ledger.refusals.record(actor, { kind: 'run.refused', subject: `run-request:${input.name}`, body: { name: input.name, inputs: [...input.inputs], zone: input.zone, decision: d as unknown as JsonObject } });
      throw new CairnError('run_inputs_refused', `run ${input.name} refused: ${d.reasons.join('; ')}`, { details: { decision: d, ...recorded } });
    }
    const id = `run_${crypto.randomBytes(9).toString('base64url')}`;
    let record: RunRecord | undefined;
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: 'run.started',
          subject: nodeKey('run', id),
          body: {
            id,
            name: input.name,
            inputs: [...input.inputs],
            zone: input.zone,
            code: (input.code ?? null) as JsonObject | null,
            image: (input.image ?? null) as JsonObject | null,
            environment: (input.environment ?? null) as JsonObject | null,
            parameters: (input.parameters ?? null) as JsonObject | null,
            decision: d as unknown as JsonObject,
          },
        },
      ],
      apply: async (trx, [entry]) => {
        record = {
          id,
          name: input.name,
          inputs: input.inputs.map((digest, i) => {
            const ds = found[i];
            return ds ? { digest, name: ds.name, state: ds.state, dataClasses: ds.dataClasses } : { digest };
          }),
          zone: input.zone,
          code: input.code,
          image: input.image,
          environment: input.environment,
          parameters: input.parameters,
          evaluator: input.evaluator,
          outputs: [],
          startedAt: entry!.entry.time,
        };
        await trx
          .insertInto('training_runs')
          .values({ id, name: input.name, state: 'running', record: JSON.stringify(record), trainer: actor.id, started_at: entry!.entry.time, ended_at: null, lineage_complete: null, missing: null, bundle: null, ledger_index: entry!.index, completion_index: null })
          .execute();
        await addNode(trx, nodeKey('run', id), 'run', input.name, entry!.index);
        for (const digest of input.inputs) {
          if (!found.some((f) => f?.digest === digest)) await addNode(trx, nodeKey('dataset', digest), 'dataset', `unregistered ${digest}`, entry!.index);
          await addEdge(trx, nodeKey('dataset', digest), nodeKey('run', id), 'input_to', entry!.index);
        }
      },
    });
    return { run: await this.get(id), decision: d };
  }

  async complete(actor: Actor, id: string, completion: RunCompletion): Promise<TrainingRun> {
    const run = await this.get(id);
    if (run.state !== 'running') {
      throw new CairnError('invalid_state', `run ${id} is ${run.state}`, { details: { state: run.state, allowed: [] } });
    }
    const now = new Date().toISOString();
    const record: RunRecord = {
      ...stripState(run),
      outputs: [...completion.outputs],
      metrics: completion.metrics,
      evaluator: completion.evaluator ?? run.evaluator,
      endedAt: now,
    };
    const missing = missingLineage(record);
    // An in-toto statement needs a subject (statement.md): a run without outputs attests nothing.
    const envelope = record.outputs.length === 0 ? null : signEnvelope(this.#ledger.signer, provenanceStatement(record, builderId(this.#ledger.origin), { trainer: run.trainer, completedBy: actor.id }));
    const bundleDigest = envelope && `sha256:${crypto.createHash('sha256').update(JSON.stringify(envelope)).digest('hex')}`;
    await this.#ledger.append({
      actor,
      entries: [
        {
          kind: completion.status === 'completed' ? 'run.completed' : 'run.failed',
          subject: nodeKey('run', id),
          body: { id, outputs: record.outputs.map((o) => ({ ...o })), metrics: (completion.metrics ?? null) as JsonObject | null, evaluator: record.evaluator ?? null, lineageComplete: missing.length === 0, missing, bundleDigest },
        },
      ],
      apply: async (trx, [entry]) => {
        const row = await this.#store.forUpdate(trx.selectFrom('training_runs').select('state').where('id', '=', id)).executeTakeFirstOrThrow();
        if (row.state !== 'running') throw new CairnError('invalid_state', `run ${id} is ${row.state}`, { details: { state: row.state, allowed: [] } });
        await trx
          .updateTable('training_runs')
          .set({ state: completion.status, record: JSON.stringify(record), ended_at: now, lineage_complete: missing.length === 0 ? 1 : 0, missing: JSON.stringify(missing), bundle: envelope && JSON.stringify(envelope), completion_index: entry!.index })
          .where('id', '=', id)
          .execute();
        for (const o of record.outputs) {
          await addNode(trx, nodeKey('artifact', o.digest), 'artifact', o.name, entry!.index);
          await addEdge(trx, nodeKey('run', id), nodeKey('artifact', o.digest), 'produced', entry!.index);
        }
      },
    });
    return this.get(id);
  }

  async get(id: string): Promise<TrainingRun> {
    const row = await this.#store.db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CairnError('run_not_found', `no run ${id}`);
    return toRun(row);
  }

  async provenance(id: string): Promise<DsseEnvelope> {
    const row = await this.#store.db.selectFrom('training_runs').select(['bundle', 'state']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new CairnError('run_not_found', `no run ${id}`);
    if (!row.bundle && row.state === 'running') throw new CairnError('invalid_state', `run ${id} is running: its bundle is issued on completion`, { details: { state: row.state, allowed: ['completed', 'failed'] } });
    if (!row.bundle) throw new CairnError('invalid_state', `run ${id} is ${row.state} without outputs: a bundle needs a subject to attest`, { details: { state: row.state, allowed: [] } });
    return JSON.parse(row.bundle) as DsseEnvelope;
  }

  async list(limit = 100): Promise<TrainingRun[]> {
    return (await this.#store.db.selectFrom('training_runs').selectAll().orderBy('ledger_index', 'desc').limit(limit).execute()).map(toRun);
  }
}

function stripState(run: TrainingRun): RunRecord {
  const { state: _s, trainer: _t, lineageComplete: _l, missing: _m, ledgerIndex: _i, completionIndex: _c, ...record } = run;
  return record;
}
