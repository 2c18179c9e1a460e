import { query, type Transport } from './transport.js';
import type { Decision } from './types.js';

export interface Model {
  readonly name: string;
  readonly owner: string;
  readonly useCase: string;
  readonly riskTier: string;
  readonly description: string;
  readonly ledgerIndex: number;
}

export interface ModelVersion {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly state: 'draft' | 'validated' | 'approved' | 'deployed' | 'retired' | 'rejected' | 'suspended';
  readonly evidenceSet: string;
  readonly zones: readonly string[] | null;
  readonly useCases: readonly string[] | null;
  readonly approvalExpiresAt: string | null;
  readonly [key: string]: unknown;
}

export interface VersionDossier extends ModelVersion {
  readonly evidence: readonly { id: string; kind: string; digest: string; title: string; metrics: Record<string, number> | null }[];
  readonly approvals: readonly { role: string; approver: string; valid: boolean; evidenceSet: string }[];
  readonly pending: readonly { role: string; count: number }[];
}

/** The model registry: models, versions, evidence, validation, reviews, waivers. */
export class RegistryApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** @example await cairn.registry.createModel({ name: 'triage', owner: 'ed-ops', useCase: 'triage', riskTier: 'high', description: 'ED triage' }); */
  createModel(model: { name: string; owner: string; useCase: string; riskTier: string; description: string }): Promise<Model> {
    return this.#http.json('POST', '/api/v1/models', model);
  }

  /** @example const { model, versions } = await cairn.registry.model('triage'); */
  model(name: string): Promise<{ model: Model; versions: ModelVersion[] }> {
    return this.#http.json('GET', `/api/v1/models/${encodeURIComponent(name)}`);
  }

  /** @example const models = await cairn.registry.models(); */
  async models(): Promise<Model[]> {
    return (await this.#http.json<{ models: Model[] }>('GET', '/api/v1/models')).models;
  }

  /** @example const v = await cairn.registry.createVersion('triage', { version: '1.0.0', artifacts: [{ name: 'triage.onnx', digest }], runId, modelCard }); */
  createVersion(model: string, v: { version: string; artifacts: { name: string; digest: string }[]; runId?: string; modelCard: string }): Promise<ModelVersion> {
    return this.#http.json('POST', `/api/v1/models/${encodeURIComponent(model)}/versions`, v);
  }

  /** Everything about a version on one screen. @example const d = await cairn.registry.version('mv_…'); */
  version(id: string): Promise<VersionDossier> {
    return this.#http.json('GET', `/api/v1/model-versions/${id}`);
  }

  /** @example await cairn.registry.addEvidence(v.id, { kind: 'evaluation', title: 'held-out', mediaType: 'application/json', content: bytes, metrics: { auc: 0.8 } }); */
  addEvidence(id: string, e: { kind: string; title: string; mediaType: string; content: Uint8Array; metrics?: Record<string, number> }): Promise<VersionDossier> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/evidence`, { ...e, content: Buffer.from(e.content).toString('base64') });
  }

  /** @example const { decision } = await cairn.registry.validate(v.id); */
  validate(id: string): Promise<{ version: ModelVersion; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/validate`, {});
  }

  /** @example await cairn.registry.submit(v.id, ['triage'], ['hipaa-ai']); */
  submit(id: string, useCases: readonly string[], zones: readonly string[]): Promise<VersionDossier> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/submit`, { useCases, zones });
  }

  /** Approves as a reviewer role, naming the evidence set reviewed. @example await cairn.registry.approve(d.id, 'reviewer:compliance', d.evidenceSet, 'HIPAA review done'); */
  approve(id: string, role: string, evidenceSet: string, reason: string): Promise<{ version: VersionDossier; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/approvals`, { role, evidenceSet, reason });
  }

  /** @example await cairn.registry.transition(v.id, 'reject', 'fairness evidence insufficient'); */
  transition(id: string, action: 'reject' | 'suspend' | 'retire', reason: string): Promise<ModelVersion> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/${action}`, { reason });
  }

  /** @example await cairn.registry.requestWaiver(v.id, 'metric.evaluation.auc', 'within CI; human review', 30); */
  requestWaiver(id: string, rule: string, reason: string, days: number): Promise<{ id: string; state: string }> {
    return this.#http.json('POST', `/api/v1/model-versions/${id}/waivers`, { rule, reason, days });
  }

  /** @example await cairn.registry.decideWaiver('wvr_…', true, 'accepted'); */
  decideWaiver(id: string, approve: boolean, reason: string): Promise<{ id: string; state: string }> {
    return this.#http.json('POST', `/api/v1/waivers/${id}/${approve ? 'approve' : 'reject'}`, { reason });
  }

  /** @example const waiting = await cairn.registry.reviews('reviewer:compliance'); */
  async reviews(role: string): Promise<VersionDossier[]> {
    return (await this.#http.json<{ reviews: VersionDossier[] }>('GET', `/api/v1/reviews${query({ role })}`)).reviews;
  }

  /**
   * Deploys an approved version to a zone/environment (refused, and recorded, unless policy allows).
   * @example await cairn.registry.deploy('mv_…', 'hipaa-ai', 'prod', 'release 1.2');
   */
  deploy(versionId: string, zone: string, environment: string, reason: string): Promise<Record<string, unknown>> {
    return this.#http.json('POST', '/api/v1/deployments', { versionId, zone, environment, reason });
  }

  /** Restores the previous approved version in one call. @example await cairn.registry.rollback('triage', 'hipaa-ai', 'prod', 'drift'); */
  rollback(model: string, zone: string, environment: string, reason: string): Promise<Record<string, unknown>> {
    return this.#http.json('POST', '/api/v1/rollbacks', { model, zone, environment, reason });
  }

  /** Which versions were active, now or at a past time. @example await cairn.registry.deployments({ zone: 'hipaa-ai', at: '2026-03-01T12:00:00Z' }); */
  deployments(filter: { zone?: string; environment?: string; model?: string; at?: string }): Promise<Record<string, unknown>> {
    return this.#http.json('GET', `/api/v1/deployments${query(filter)}`);
  }
}
