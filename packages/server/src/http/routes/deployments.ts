import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdmissionReview } from '../../deployments/index.js';
import { CairnError } from '../../errors/catalog.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { DecisionSchema, ErrorBody, Rfc3339, authErrors } from '../schemas.js';

const Reason = Type.String({ minLength: 3, maxLength: 2000 });
const ZoneName = Type.String({ minLength: 1, maxLength: 64 });
const ModelName = Type.String({ minLength: 1, maxLength: 200 });
const Environment = Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', description: 'e.g. `prod`, `staging`: lowercase letters, digits and dashes' });
const VersionId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$', description: 'a model version id, e.g. `mv_…`' });
const DeploymentId = Type.String({ pattern: '^dep_[A-Za-z0-9_-]{1,64}$' });

const DeploymentSchema = Type.Object({}, { additionalProperties: true, description: 'a deployment: model, versionId, version, zone, environment, state, previousVersionId, rollbackOf, startedAt, endedAt, ledgerIndex' });
const DeployBody = Type.Object({ versionId: VersionId, zone: ZoneName, environment: Environment, reason: Reason }, { additionalProperties: false });
const RollbackBody = Type.Object({ model: ModelName, zone: ZoneName, environment: Environment, reason: Reason }, { additionalProperties: false });
const IdParams = Type.Object({ id: DeploymentId }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const ActiveQuery = Type.Object(
  { zone: Type.Optional(ZoneName), environment: Type.Optional(Environment), model: Type.Optional(ModelName), at: Type.Optional(Rfc3339) },
  { additionalProperties: false },
);

const GroupVersionKind = Type.Object({ group: Type.String({ maxLength: 253 }), version: Type.String({ minLength: 1, maxLength: 63 }), kind: Type.String({ minLength: 1, maxLength: 63 }) });
const KubeObject = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]);
/** AdmissionReview admission.k8s.io/v1, request side: what Cairn reads is checked, the rest passes (the API server adds fields over releases). */
const AdmissionReviewBody = Type.Object({
  apiVersion: Type.Literal('admission.k8s.io/v1'),
  kind: Type.Literal('AdmissionReview'),
  request: Type.Object({
    uid: Type.String({ minLength: 1, maxLength: 128 }),
    kind: GroupVersionKind,
    subResource: Type.Optional(Type.String({ maxLength: 253 })),
    name: Type.Optional(Type.String({ maxLength: 253 })),
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    operation: Type.Union([Type.Literal('CREATE'), Type.Literal('UPDATE'), Type.Literal('DELETE'), Type.Literal('CONNECT')]),
    userInfo: Type.Optional(Type.Object({ username: Type.Optional(Type.String({ maxLength: 512 })) })),
    object: Type.Optional(KubeObject),
    oldObject: Type.Optional(KubeObject),
    dryRun: Type.Optional(Type.Boolean()),
  }),
});
const AdmissionReviewAnswer = Type.Object({
  apiVersion: Type.Literal('admission.k8s.io/v1'),
  kind: Type.Literal('AdmissionReview'),
  response: Type.Object({ uid: Type.String(), allowed: Type.Boolean(), status: Type.Optional(Type.Object({ code: Type.Integer(), message: Type.String() })) }),
});
/** Pods with large managedFields, twice (object and oldObject): above the API's usual limit. */
const ADMISSION_BODY_LIMIT = 8 * 1024 * 1024;

export function deploymentRoutes(app: FastifyInstance, { deployments }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/deployments',
    group: 'deploy',
    permission: 'deploy:write',
    summary: 'Deploy an approved version to a zone and environment, if policy allows (refusals are recorded); supersedes the active deployment there',
    schema: { body: DeployBody, response: { 201: Type.Object({ deployment: DeploymentSchema, decision: DecisionSchema }), ...authErrors, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
    handler: async (request, reply) => reply.status(201).send(await deployments.deploy(principalOf(request), request.body as Static<typeof DeployBody>)),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/deployments',
    group: 'read',
    permission: 'deploy:read',
    summary: 'The deployments active at `at` (default now; any past instant), by zone, environment and model',
    schema: { querystring: ActiveQuery, response: { 200: Type.Object({ at: Type.String(), deployments: Type.Array(DeploymentSchema) }), ...authErrors } },
    handler: async (request) => {
      const query = request.query as Static<typeof ActiveQuery>;
      const at = query.at === undefined ? new Date() : new Date(query.at);
      if (Number.isNaN(at.getTime())) throw new CairnError('invalid_request', `querystring/at ${query.at} is not a valid date-time`, { details: [{ path: 'querystring/at', message: 'is not a valid date-time' }] });
      const iso = at.toISOString(); // the stored form (UTC, milliseconds), so text order is time order
      return { at: iso, deployments: await deployments.activeAt({ ...query, at: iso }) };
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/deployments/:id',
    group: 'read',
    permission: 'deploy:read',
    summary: 'One deployment, whatever its state',
    schema: { params: IdParams, response: { 200: DeploymentSchema, ...authErrors, 404: ErrorBody } },
    handler: async (request) => deployments.get((request.params as Static<typeof IdParams>).id),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/deployments/:id/retire',
    group: 'deploy',
    permission: 'deploy:write',
    summary: 'Take an active deployment out of service, putting nothing in its place',
    schema: { params: IdParams, body: ReasonBody, response: { 200: DeploymentSchema, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => deployments.retire(principalOf(request), (request.params as Static<typeof IdParams>).id, (request.body as Static<typeof ReasonBody>).reason),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/rollbacks',
    group: 'deploy',
    permission: 'deploy:write',
    summary: "Restore the version active before the current deployment of a model in a zone and environment, if it is still approved",
    schema: { body: RollbackBody, response: { 201: Type.Object({ deployment: DeploymentSchema, rolledBack: DeploymentSchema, decision: DecisionSchema }), ...authErrors, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
    handler: async (request, reply) => reply.status(201).send(await deployments.rollback(principalOf(request), request.body as Static<typeof RollbackBody>)),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/admission/validate',
    group: 'deploy',
    permission: 'admission:review',
    summary: 'Kubernetes validating admission webhook (AdmissionReview admission.k8s.io/v1): admits only models deployed in the namespace zone',
    bodyLimit: ADMISSION_BODY_LIMIT,
    schema: { body: AdmissionReviewBody, response: { 200: AdmissionReviewAnswer, ...authErrors, 413: ErrorBody } },
    handler: async (request) => deployments.admission.review(principalOf(request), request.body as AdmissionReview),
  });
}
