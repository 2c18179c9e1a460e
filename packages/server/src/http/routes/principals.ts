import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../auth/permissions.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { ErrorBody, authErrors } from '../schemas.js';

const RoleName = Type.Union(ROLES.map((r) => Type.Literal(r)));
const PrincipalName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$', description: 'user or service account name (compared case-folded)' });
const Reason = Type.String({ minLength: 1, maxLength: 2000 });
const Principal = Type.Object({
  id: Type.String(),
  type: Type.String(),
  roles: Type.Array(Type.String()),
  owner: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.Union([Type.String(), Type.Null()]),
  state: Type.String(),
  vouchedBy: Type.String({ description: 'founder (the installation ceremony) or two-person' }),
  proposedBy: Type.String(),
  proposedAt: Type.String(),
  reason: Type.String(),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  approvedAt: Type.Union([Type.String(), Type.Null()]),
  hasCredential: Type.Boolean(),
  ledgerIndex: Type.Integer(),
});
const Proposal = Type.Object(
  {
    id: PrincipalName,
    type: Type.Union([Type.Literal('user'), Type.Literal('service')]),
    roles: Type.Array(RoleName, { minItems: 1, maxItems: ROLES.length, uniqueItems: true }),
    owner: Type.Optional({ ...PrincipalName, description: 'service accounts: the person they act for (default: you)' }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    credentialSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 (hex) of a token the person made for themselves (`cairn token new`); it becomes their credential on approval' })),
    reason: Reason,
  },
  { additionalProperties: false },
);
const Decide = Type.Object({ reason: Reason }, { additionalProperties: false });
const IdParams = Type.Object({ id: PrincipalName }, { additionalProperties: false });
const ListQuery = Type.Object({ state: Type.Optional(Type.Union(['proposed', 'active', 'rejected', 'disabled'].map((s) => Type.Literal(s)))) }, { additionalProperties: false });
const errors = { ...authErrors, 404: ErrorBody, 409: ErrorBody };

/** Identity custody (auth/principals.ts): one person proposes a principal, another approves it. */
export function principalRoutes(app: FastifyInstance, { principals }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/principals',
    group: 'principals',
    permission: 'principals:manage',
    summary: 'Propose a principal (a person, or a service account acting for one); another person must approve it',
    schema: { body: Proposal, response: { 201: Principal, ...errors } },
    handler: async (request, reply) => {
      const b = request.body as Static<typeof Proposal>;
      return reply.status(201).send(await principals.propose(principalOf(request), b));
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/principals/:id/approve',
    group: 'principals',
    permission: 'principals:manage',
    summary: "Approve another person's proposal: the principal becomes active (with the credential it brought, if any)",
    schema: {
      params: IdParams,
      body: Decide,
      response: { 200: Type.Object({ principal: Principal, credential: Type.Optional(Type.Object({ id: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) })) }), ...errors },
    },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      return principals.approve(principalOf(request), id, (request.body as Static<typeof Decide>).reason);
    },
  });

  addRoute(app, {
    method: 'POST',
    url: '/api/v1/principals/:id/reject',
    group: 'principals',
    permission: 'principals:manage',
    summary: 'Reject a proposed principal',
    schema: { params: IdParams, body: Decide, response: { 200: Principal, ...errors } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      return principals.reject(principalOf(request), id, (request.body as Static<typeof Decide>).reason);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/principals',
    group: 'principals',
    permission: 'principals:read',
    summary: 'Principals, with who proposed and who vouched for each',
    schema: { querystring: ListQuery, response: { 200: Type.Object({ principals: Type.Array(Principal) }), ...authErrors } },
    handler: async (request) => ({ principals: await principals.list((request.query as Static<typeof ListQuery>).state as never) }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/principals/:id',
    group: 'principals',
    permission: 'principals:read',
    summary: 'One principal',
    schema: { params: IdParams, response: { 200: Principal, ...errors } },
    handler: async (request) => principals.get((request.params as Static<typeof IdParams>).id),
  });
}
