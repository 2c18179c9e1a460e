import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../auth/permissions.js';
import { actorOf } from '../../auth/principal.js';
import { CairnError } from '../../errors/catalog.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { DecisionSchema, ErrorBody, authErrors } from '../schemas.js';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
const Digest = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });
const Text = (max = 256) => Type.String({ minLength: 1, maxLength: max });
const Reason = Type.String({ minLength: 3, maxLength: 2000 });
const Any = Type.Object({}, { additionalProperties: true });
const VersionParams = Type.Object({ id: Type.String({ pattern: '^mv_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const errors = { ...authErrors, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const EVIDENCE_BODY_LIMIT = 16 * 1024 * 1024;

const ModelBody = Type.Object({ name: Name, owner: Text(), useCase: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), riskTier: Text(64), description: Text(4000) }, { additionalProperties: false });
const VersionBody = Type.Object(
  {
    version: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$' }),
    artifacts: Type.Array(Type.Object({ name: Text(500), digest: Digest }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
    runId: Type.Optional(Type.String({ pattern: '^run_[A-Za-z0-9_-]{1,64}$' })),
    modelCard: Type.String({ minLength: 1, maxLength: 200_000, description: 'the model card (Markdown)' }),
  },
  { additionalProperties: false },
);
const EvidenceBody = Type.Object(
  {
    kind: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'evaluation, fairness, red_team, security_review, rollback_plan, monitoring_plan, document…' }),
    title: Text(500),
    mediaType: Type.String({ pattern: '^[a-z]+/[A-Za-z0-9.+-]+$', default: 'application/octet-stream' }),
    content: Type.String({ minLength: 1, maxLength: 16 * 1024 * 1024, contentEncoding: 'base64', description: 'the document, base64' }),
    metrics: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Number())),
  },
  { additionalProperties: false },
);

export function registryRoutes(app: FastifyInstance, { registry }: Services): void {
  const actor = (request: Parameters<typeof principalOf>[0]) => actorOf(principalOf(request));

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/models',
    group: 'ingest',
    permission: 'model:write',
    summary: 'Register a model: owner, use case and risk tier (from the policy pack)',
    schema: { body: ModelBody, response: { 201: Any, ...errors } },
    handler: async (request, reply) => reply.status(201).send(await registry.createModel(actor(request), request.body as Static<typeof ModelBody>)),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/models',
    group: 'read',
    permission: 'lineage:read',
    summary: 'Registered models',
    schema: { response: { 200: Type.Object({ models: Type.Array(Any) }), ...authErrors } },
    handler: async () => ({ models: await registry.models() }),
  });

  const ModelParams = Type.Object({ name: Name }, { additionalProperties: false });
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/models/:name',
    group: 'read',
    permission: 'lineage:read',
    summary: 'A model and its versions',
    schema: { params: ModelParams, response: { 200: Any, ...errors } },
    handler: async (request) => {
      const { name } = request.params as Static<typeof ModelParams>;
      return { model: await registry.model(name), versions: await registry.versions(name) };
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/models/:name/versions',
    group: 'ingest',
    permission: 'model:write',
    summary: 'Register a version (draft): artifact digests, training run, model card',
    schema: { params: ModelParams, body: VersionBody, response: { 201: Any, ...errors } },
    handler: async (request, reply) => {
      const { name } = request.params as Static<typeof ModelParams>;
      return reply.status(201).send(await registry.createVersion(actor(request), { model: name, ...(request.body as Static<typeof VersionBody>) }));
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/model-versions/:id',
    group: 'read',
    permission: 'lineage:read',
    summary: 'A version with its evidence, approvals, waivers and pending approvals: one screen for a reviewer',
    schema: { params: VersionParams, response: { 200: Any, ...errors } },
    handler: async (request) => registry.dossier((request.params as Static<typeof VersionParams>).id),
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/model-versions/:id/evidence',
    group: 'ingest',
    permission: 'model:write',
    summary: 'Attach evidence (stored by content digest; after an approval it sends the version back to review)',
    bodyLimit: EVIDENCE_BODY_LIMIT * 2,
    schema: { params: VersionParams, body: EvidenceBody, response: { 201: Any, ...errors } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof EvidenceBody>;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.content)) throw new CairnError('invalid_request', 'content must be base64');
      const content = Buffer.from(body.content, 'base64');
      return reply.status(201).send(await registry.addEvidence(actor(request), (request.params as Static<typeof VersionParams>).id, { ...body, content }));
    },
  });

  const DigestParams = Type.Object({ digest: Digest }, { additionalProperties: false });
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/evidence/:digest',
    group: 'read',
    permission: 'lineage:read',
    summary: 'An evidence document by its SHA-256',
    schema: { params: DigestParams, response: { ...errors } },
    audit: { read: 'evidence_documents', objects: (request) => [`evidence:${(request.params as Static<typeof DigestParams>).digest}`] },
    handler: async (request, reply) => {
      const doc = await registry.evidenceDocument((request.params as Static<typeof DigestParams>).digest);
      reply.type(doc.mediaType);
      return Buffer.from(doc.content);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/model-versions/:id/validate',
    group: 'ingest',
    permission: 'model:write',
    summary: "draft → validated, if the risk tier's evidence requirements hold (every failure listed)",
    schema: { params: VersionParams, response: { 200: Type.Object({ version: Any, decision: DecisionSchema }), ...errors } },
    handler: async (request) => registry.validate(actor(request), (request.params as Static<typeof VersionParams>).id),
  });

  const SubmitBody = Type.Object({ useCases: Type.Array(Text(64), { minItems: 1, uniqueItems: true }), zones: Type.Array(Text(64), { minItems: 1, uniqueItems: true }) }, { additionalProperties: false });
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/model-versions/:id/submit',
    group: 'ingest',
    permission: 'model:write',
    summary: 'Ask the tier’s reviewers to approve the version for these use cases and zones',
    schema: { params: VersionParams, body: SubmitBody, response: { 200: Any, ...errors } },
    handler: async (request) => {
      const body = request.body as Static<typeof SubmitBody>;
      return registry.submit(actor(request), (request.params as Static<typeof VersionParams>).id, body.useCases, body.zones);
    },
  });

  const ApproveBody = Type.Object({ role: Type.Union(ROLES.filter((r) => r.startsWith('reviewer:')).map((r) => Type.Literal(r))), evidenceSet: Digest, reason: Reason }, { additionalProperties: false });
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/model-versions/:id/approvals',
    group: 'review',
    permission: 'model:review',
    summary: 'Approve as one reviewer role, naming the evidence set reviewed (never the author, trainer or submitter)',
    schema: { params: VersionParams, body: ApproveBody, response: { 200: Type.Object({ version: Any, decision: DecisionSchema }), ...errors } },
    handler: async (request) => {
      const body = request.body as Static<typeof ApproveBody>;
      return registry.approve(principalOf(request), (request.params as Static<typeof VersionParams>).id, body.role, body.evidenceSet, body.reason);
    },
  });

  for (const [action, permission] of [['reject', 'model:review'], ['suspend', 'model:govern'], ['retire', 'model:govern']] as const) {
    addRoute(app, {
      method: 'POST',
      url: `/api/v1/model-versions/:id/${action}`,
      group: 'review',
      permission,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a version, with a reason`,
      schema: { params: VersionParams, body: ReasonBody, response: { 200: Any, ...errors } },
      handler: async (request) => {
        const id = (request.params as Static<typeof VersionParams>).id;
        const { reason } = request.body as Static<typeof ReasonBody>;
        return registry[action](actor(request), id, reason);
      },
    });
  }

  const WaiverBody = Type.Object({ rule: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,127}$' }), reason: Reason, days: Type.Integer({ minimum: 1, maximum: 365, description: 'at most the policy’s waivers.max_days (default 90)' }) }, { additionalProperties: false });
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/model-versions/:id/waivers',
    group: 'ingest',
    permission: 'model:write',
    summary: 'Request a waiver for a failed rule (e.g. metric.evaluation.auc), with a reason and an expiry',
    schema: { params: VersionParams, body: WaiverBody, response: { 201: Any, ...errors } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof WaiverBody>;
      return reply.status(201).send(await registry.requestWaiver(actor(request), (request.params as Static<typeof VersionParams>).id, body.rule, body.reason, body.days));
    },
  });

  const WaiverParams = Type.Object({ id: Type.String({ pattern: '^wvr_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
  for (const action of ['approve', 'reject'] as const) {
    addRoute(app, {
      method: 'POST',
      url: `/api/v1/waivers/:id/${action}`,
      group: 'review',
      permission: 'model:govern',
      summary: `${action === 'approve' ? 'Approve' : 'Reject'} a waiver (never by its requester)`,
      schema: { params: WaiverParams, body: ReasonBody, response: { 200: Any, ...errors } },
      handler: async (request) => registry.decideWaiver(principalOf(request), (request.params as Static<typeof WaiverParams>).id, action === 'approve', (request.body as Static<typeof ReasonBody>).reason),
    });
  }

  const InboxQuery = Type.Object({ role: Type.Union(ROLES.filter((r) => r.startsWith('reviewer:')).map((r) => Type.Literal(r))) }, { additionalProperties: false });
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/reviews',
    group: 'review',
    permission: 'model:review',
    summary: 'The reviewer inbox: versions waiting for this role, with all evidence references',
    schema: { querystring: InboxQuery, response: { 200: Type.Object({ reviews: Type.Array(Any) }), ...authErrors } },
    handler: async (request) => ({ reviews: await registry.inbox((request.query as Static<typeof InboxQuery>).role) }),
  });
}
