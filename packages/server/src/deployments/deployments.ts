import type { Principal } from '../auth/principal.js';
import type { PolicyRegistry } from '../governance/policy-registry.js';
import { rfc3339 } from '../ledger/entry.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Decision } from '../policy/index.js';
import type { Store } from '../store/store.js';
import { Admission } from './admission/admission.js';
import type { AdmissionOptions } from './admission/admission-config.js';
import { deploy, type DeployInput } from './deploy.js';
import type { DeploymentContext } from './deployment-context.js';
import { activeAt, type ActiveAtQuery } from './history.js';
import type { Deployment } from './records.js';
import { findDeployment, retire } from './retire.js';
import { rollback, type RollbackInput } from './rollback.js';
import { SlotLocks } from './slot-locks.js';

/**
 * Model deployments: which approved version runs in which zone and environment, since when, and
 * what it replaced. Every change is one ledger entry with its rows; every deploy and rollback is
 * a policy decision, recorded when it refuses too. `admission` answers Kubernetes from the same
 * records.
 */
export class Deployments {
  /** The context deploy, rollback and retire run in: for a benchmark that times them directly. */
  readonly context: DeploymentContext;
  readonly admission: Admission;

  constructor(store: Store, ledger: Ledger, policies: PolicyRegistry, admission: AdmissionOptions = {}, options: { now?: (() => number) | undefined } = {}) {
    this.context = { store, ledger, policies, locks: new SlotLocks(), now: options.now ?? Date.now };
    this.admission = new Admission(store, ledger, policies, admission, this.context.now);
  }

  async deploy(principal: Principal, input: DeployInput): Promise<{ deployment: Deployment; decision: Decision }> {
    const { id, decision } = await deploy(this.context, principal, input);
    return { deployment: await this.get(id), decision };
  }

  async rollback(principal: Principal, input: RollbackInput): Promise<{ deployment: Deployment; rolledBack: Deployment; decision: Decision }> {
    const { id, rolledBack, decision } = await rollback(this.context, principal, input);
    return { deployment: await this.get(id), rolledBack: await this.get(rolledBack), decision };
  }

  async retire(principal: Principal, id: string, reason: string): Promise<Deployment> {
    await retire(this.context, principal, id, reason);
    return this.get(id);
  }

  get(id: string): Promise<Deployment> {
    return findDeployment(this.context, id);
  }

  /** What was active at `at` (default: now), narrowed by zone, environment and model. */
  activeAt(query: Omit<ActiveAtQuery, 'at'> & { at?: string | undefined }): Promise<Deployment[]> {
    return activeAt(this.context.store.db, { ...query, at: query.at ?? rfc3339(this.context.now()) });
  }
}
