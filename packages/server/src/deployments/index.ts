// Deployments of approved model versions to zones, their rollback and history, and the
// Kubernetes admission webhook that enforces them.

export { Deployments } from './deployments.js';
export type { Deployment, DeploymentState, VersionFacts } from './records.js';
export { deploy } from './deploy.js';
export type { DeployInput } from './deploy.js';
export { rollback } from './rollback.js';
export type { RollbackInput, RollbackResult } from './rollback.js';
export { retire } from './retire.js';
export { activeAt } from './history.js';
export type { ActiveAtQuery } from './history.js';
export { evaluateDeployment } from './deploy-rules.js';
export type { DeploymentCandidate } from './deploy-rules.js';
export type { DeploymentContext } from './deployment-context.js';
export { Admission } from './admission/admission.js';
export { parseAdmissionConfig, checkAdmissionOptions, zoneOfNamespace } from './admission/admission-config.js';
export type { AdmissionOptions } from './admission/admission-config.js';
export { MODEL_VERSION_ANNOTATION, ZONE_ANNOTATION, UNDERSTOOD_KINDS } from './admission/workload-models.js';
export type { AdmissionReview, AdmissionRequest, AdmissionReviewResponse } from './admission/admission-review.js';
