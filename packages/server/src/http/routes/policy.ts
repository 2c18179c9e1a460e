import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../auth/permissions.js';
import { actorOf } from '../../auth/principal.js';
import { CairnError } from '../../errors/catalog.js';
import { parsePolicy, type PolicyVersion } from '../../governance/policy-registry.js';
import { POLICY_PACK_SCHEMA, PolicyError, evaluateBreakGlass, evaluatePlacement, loadPolicy } from '../../policy/index.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { DecisionSchema, ErrorBody, authErrors } from '../schemas.js';

const MAX_POLICY_BYTES = 256 * 1024;
const Source = Type.String({ minLength: 1, maxLength: MAX_POLICY_BYTES, description: 'the policy pack, YAML' });
const FileName = Type.String({ minLength: 1, maxLength: 256 });
const Reason = Type.String({ minLength: 3, maxLength: 2000 });
const IdParams = Type.Object({ id: Type.String({ pattern: '^pol_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });

const Workload = Type.Object(
  {
    dataClasses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64, uniqueItems: true }),
    signedImages: Type.Optional(Type.Boolean()),
    encryptedVolumes: Type.Optional(Type.Boolean()),
    runtimeIdentity: Type.Optional(Type.Boolean()),
    egress: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 256 })),
    externalLlmCalls: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const PlacementBody = Type.Object({ workload: Workload, zone: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const BreakGlassQuestion = Type.Object(
  { roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r)))), assume: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1 }), minutes: Type.Integer({ minimum: 1, maximum: 1440 }) },
  { additionalProperties: false },
);
const EvaluateBody = Type.Object(
  {
    placement: Type.Optional(PlacementBody),
    breakGlass: Type.Optional(BreakGlassQuestion),
    source: Type.Optional(Source),
  },
  { additionalProperties: false, description: 'exactly one question; `source` evaluates a candidate pack instead of the active one' },
);

const Version = Type.Object({
  id: Type.String(),
  hash: Type.String(),
  status: Type.String(),
  baseHash: Type.Union([Type.String(), Type.Null()]),
  diff: Type.Array(Type.Object({ path: Type.String(), op: Type.String(), from: Type.Optional(Type.Unknown()), to: Type.Optional(Type.Unknown()) })),
  reason: Type.String(),
  proposedBy: Type.String(),
  proposedAt: Type.String(),
  proposalIndex: Type.Integer(),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  decisionIndex: Type.Union([Type.Integer(), Type.Null()]),
});

const LintResult = Type.Object({
  valid: Type.Boolean(),
  hash: Type.Union([Type.String(), Type.Null()]),
  issues: Type.Array(Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), path: Type.String(), message: Type.String() })),
});

export function policyRoutes(app: FastifyInstance, { policies }: Services): void {
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/policy',
    group: 'policy',
    permission: 'policy:read',
    summary: 'The active policy pack: its version, hash, who approved it, and its source',
    schema: { response: { 200: Type.Object({ version: Version, source: Type.String() }), ...authErrors, 404: ErrorBody } },
    handler: async () => {
      const { version, policy } = await policies.active();
      return { version, source: policy.source };
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/policy/schema',
    group: 'policy',
    permission: 'public',
    summary: 'The JSON Schema every policy pack must validate against',
    schema: {},
    handler: async () => POLICY_PACK_SCHEMA,
  });

  const LintBody = Type.Object({ source: Source, file: Type.Optional(FileName) }, { additionalProperties: false });
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/policy/lint',
    group: 'policy',
    permission: 'policy:read',
    summary: 'Validate a policy pack without proposing it: every issue with file, line and column',
    schema: { body: LintBody, response: { 200: LintResult, ...authErrors } },
    handler: async (request) => {
      const body = request.body as Static<typeof LintBody>;
      try {
        const loaded = loadPolicy(body.source, body.file ?? 'policy.yaml');
        return { valid: true, hash: loaded.hash, issues: [] };
      } catch (err) {
        if (err instanceof PolicyError) return { valid: false, hash: null, issues: err.issues };
        throw err;
      }
    },
  });

  const ListQuery = Type.Object({ status: Type.Optional(Type.Union(['proposed', 'active', 'superseded', 'rejected'].map((s) => Type.Literal(s)))) }, { additionalProperties: false });
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/policy/versions',
    group: 'policy',
    permission: 'policy:read',
    summary: 'Policy versions and proposals, newest first',
    schema: { querystring: ListQuery, response: { 200: Type.Object({ versions: Type.Array(Version) }), ...authErrors } },
    handler: async (request) => ({ versions: await policies.list((request.query as Static<typeof ListQuery>).status as PolicyVersion['status'] | undefined) }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/policy/versions/:id',
    group: 'policy',
    permission: 'policy:read',
    summary: 'One policy version or proposal, with its source and its diff against its base',
    schema: { params: IdParams, response: { 200: Type.Object({ version: Version, source: Type.String() }), ...authErrors, 404: ErrorBody } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      return { version: await policies.get(id), source: await policies.source(id) };
    },
  });

  const ProposeBody = Type.Object({ source: Source, reason: Reason, file: Type.Optional(FileName) }, { additionalProperties: false });
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/policy/proposals',
    group: 'review',
    permission: 'policy:propose',
    summary: 'Propose a policy pack; recorded with its diff; active only after approval by another reviewer:compliance',
    schema: { body: ProposeBody, response: { 201: Version, ...authErrors, 422: ErrorBody } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof ProposeBody>;
      const version = await policies.propose(actorOf(principalOf(request)), body.source, body.reason, body.file);
      return reply.status(201).send(version);
    },
  });

  const DecideBody = Type.Object({ reason: Reason }, { additionalProperties: false });
  for (const action of ['approve', 'reject'] as const) {
    addRoute(app, {
      method: 'POST',
      url: `/api/v1/policy/proposals/:id/${action}`,
      group: 'review',
      permission: 'policy:approve',
      summary: action === 'approve' ? 'Approve a proposal: it becomes the active pack (never by its proposer)' : 'Reject a proposal',
      schema: { params: IdParams, body: DecideBody, response: { 200: Type.Object({ version: Version, decision: DecisionSchema }), ...authErrors, 404: ErrorBody, 409: ErrorBody } },
      handler: async (request) => {
        const { id } = request.params as Static<typeof IdParams>;
        const { reason } = request.body as Static<typeof DecideBody>;
        const actor = actorOf(principalOf(request));
        return action === 'approve' ? policies.approve(actor, id, reason) : policies.reject(actor, id, reason);
      },
    });
  }

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/policy/evaluate',
    group: 'policy',
    permission: 'policy:read',
    summary: 'Dry run: evaluate one question (placement or breakGlass) against the active pack or a candidate `source`',
    schema: { body: EvaluateBody, response: { 200: DecisionSchema, ...authErrors, 404: ErrorBody, 422: ErrorBody } },
    handler: async (request) => {
      const body = request.body as Static<typeof EvaluateBody>;
      const questions = [body.placement, body.breakGlass].filter((q) => q !== undefined).length;
      if (questions !== 1) throw new CairnError('invalid_request', 'ask exactly one question: `placement` or `breakGlass`');
      const policy = body.source === undefined ? (await policies.active()).policy : parsePolicy(body.source, 'candidate.yaml');
      return body.placement ? evaluatePlacement(policy, body.placement) : evaluateBreakGlass(policy, body.breakGlass!);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/placements/check',
    group: 'policy',
    permission: 'placement:check',
    summary: 'May a workload handling these data classes run in this zone? Allowed, the reasons, the policy hash',
    schema: {
      body: PlacementBody,
      response: {
        200: Type.Object({ allowed: Type.Boolean(), reasons: Type.Array(Type.String()), policy: Type.String(), rules: DecisionSchema.properties.rules, obligations: Type.Array(Type.String()) }),
        ...authErrors,
        404: ErrorBody,
      },
    },
    handler: async (request) => {
      const d = evaluatePlacement((await policies.active()).policy, request.body as Static<typeof PlacementBody>);
      return { allowed: d.allowed, reasons: d.reasons, policy: d.policy, rules: d.rules, obligations: d.obligations };
    },
  });
}
