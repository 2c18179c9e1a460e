import { query, type Transport } from './transport.js';
import type { Decision, PlacementResult, PolicyIssue, PolicyVersion, Role, Workload } from './types.js';

/** Policy as code: the active pack, proposals and approvals, decisions. */
export class PolicyApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** @example const { version, source } = await cairn.policy.active(); */
  active(): Promise<{ version: PolicyVersion; source: string }> {
    return this.#http.json('GET', '/api/v1/policy');
  }

  /** @example const { valid, issues } = await cairn.policy.lint(fs.readFileSync('pack.yaml', 'utf8'), 'pack.yaml'); */
  lint(source: string, file?: string): Promise<{ valid: boolean; hash: string | null; issues: PolicyIssue[] }> {
    return this.#http.json('POST', '/api/v1/policy/lint', { source, file });
  }

  /** @example const proposal = await cairn.policy.propose(source, 'allow pci-ai egress to the new HSM', 'pack.yaml'); */
  propose(source: string, reason: string, file?: string): Promise<PolicyVersion> {
    return this.#http.json('POST', '/api/v1/policy/proposals', { source, reason, file });
  }

  /** @example await cairn.policy.approve(proposal.id, 'reviewed with the CISO'); // never by the proposer */
  approve(id: string, reason: string): Promise<{ version: PolicyVersion; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/policy/proposals/${encodeURIComponent(id)}/approve`, { reason });
  }

  /** @example await cairn.policy.reject(proposal.id, 'egress list too broad'); */
  reject(id: string, reason: string): Promise<{ version: PolicyVersion; decision: Decision }> {
    return this.#http.json('POST', `/api/v1/policy/proposals/${encodeURIComponent(id)}/reject`, { reason });
  }

  /** @example const proposals = await cairn.policy.versions('proposed'); */
  async versions(status?: PolicyVersion['status']): Promise<PolicyVersion[]> {
    return (await this.#http.json<{ versions: PolicyVersion[] }>('GET', `/api/v1/policy/versions${query({ status })}`)).versions;
  }

  /** @example const { version, source } = await cairn.policy.version('pol_…'); */
  version(id: string): Promise<{ version: PolicyVersion; source: string }> {
    return this.#http.json('GET', `/api/v1/policy/versions/${encodeURIComponent(id)}`);
  }

  /**
   * Dry run of one question against the active pack (or a candidate `source`).
   * @example const d = await cairn.policy.evaluate({ breakGlass: { roles: ['operator'], assume: ['admin'], minutes: 30 } });
   */
  evaluate(question: { placement?: { workload: Workload; zone: string }; breakGlass?: { roles: readonly Role[]; assume: readonly Role[]; minutes: number }; source?: string }): Promise<Decision> {
    return this.#http.json('POST', '/api/v1/policy/evaluate', question);
  }

  /**
   * May a workload with these data classes run in this zone?
   * @example const { allowed, reasons } = await cairn.policy.checkPlacement({ dataClasses: ['ephi'] }, 'hipaa-ai');
   */
  checkPlacement(workload: Workload, zone: string): Promise<PlacementResult> {
    return this.#http.json('POST', '/api/v1/placements/check', { workload, zone });
  }
}
