import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PERMISSIONS, ROLES } from '../../auth/permissions.js';
import { personOf } from '../../auth/person.js';
import { actorOf } from '../../auth/principal.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { ErrorBody, authErrors } from '../schemas.js';

const RoleName = Type.Union(ROLES.map((r) => Type.Literal(r)));
const PermissionName = Type.Union(PERMISSIONS.filter((p) => p !== 'public').map((p) => Type.Literal(p)));
const PrincipalName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$', description: 'user or service account name' });
const MAX_TTL = 366 * 24 * 3600;

const Reason = Type.String({ minLength: 1, maxLength: 2000 });
const TokenRequest = Type.Object(
  {
    principal: Type.Optional({ ...PrincipalName, description: 'yourself (the default) or a service account you own' }),
    roles: Type.Array(RoleName, { minItems: 1, maxItems: ROLES.length, uniqueItems: true }),
    ttl: Type.Optional(Type.Integer({ minimum: 60, maximum: MAX_TTL, description: "lifetime in seconds (default: the policy's default lifetime; never more than its maximum)" })),
    noExpiry: Type.Optional(Type.Object({ reason: Reason }, { additionalProperties: false, description: 'a token that never expires: service accounts only, with a reason' })),
    scopes: Type.Optional(Type.Array(PermissionName, { minItems: 1, uniqueItems: true, description: 'limit the token to these permissions' })),
  },
  { additionalProperties: false },
);
const TokenInfo = Type.Object({
  id: Type.String(),
  principal: Type.String(),
  type: Type.String(),
  roles: Type.Array(Type.String()),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  noExpiryReason: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
const IdParams = Type.Object({ id: Type.String({ pattern: '^tok_[A-Za-z0-9_-]{1,64}$' }) }, { additionalProperties: false });
const RevokeQuery = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });
const ListQuery = Type.Object({ principal: Type.Optional(PrincipalName), includeRevoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export function identityRoutes(app: FastifyInstance, { tokens }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/tokens',
    group: 'identity',
    permission: 'tokens:issue',
    summary: 'Issue an API token for yourself or a service account you own, within your own permissions; the secret is shown once in this response and stored only as a hash',
    schema: {
      body: TokenRequest,
      response: { 201: Type.Object({ token: Type.String(), id: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) }), ...authErrors },
    },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof TokenRequest>;
      const caller = principalOf(request);
      const issued = await tokens.issue(caller, {
        principal: body.principal ?? caller.id,
        roles: body.roles,
        ttlSeconds: body.ttl,
        noExpiry: body.noExpiry,
        scopes: body.scopes,
      });
      return reply.status(201).header('cache-control', 'no-store').send({ token: issued.token, id: issued.id, expiresAt: issued.expiresAt });
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/tokens',
    group: 'identity',
    permission: 'tokens:manage',
    summary: 'List tokens (never their secrets)',
    schema: { querystring: ListQuery, response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), ...authErrors } },
    handler: async (request) => {
      const q = request.query as Static<typeof ListQuery>;
      return { tokens: await tokens.list({ principal: q.principal, includeRevoked: q.includeRevoked ?? false }) };
    },
  });

  addRoute(app, {
    method: 'DELETE',
    url: '/api/v1/tokens/:id',
    group: 'identity',
    permission: 'tokens:manage',
    summary: 'Revoke a token (recorded in the ledger); effective at once',
    schema: { params: IdParams, querystring: RevokeQuery, response: { 200: TokenInfo, ...authErrors, 404: ErrorBody, 409: ErrorBody } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const { reason } = request.query as Static<typeof RevokeQuery>;
      const principal = principalOf(request);
      return tokens.revoke(actorOf(principal), id, reason ?? `revoked by ${principal.id}`);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/whoami',
    group: 'identity',
    permission: 'self:read',
    summary: 'The authenticated principal: id, type, how it authenticated, roles in force, elevation',
    schema: {
      response: {
        200: Type.Object({
          id: Type.String(),
          person: Type.String({ description: 'the person accountable (a service account: its owner)' }),
          type: Type.String(),
          auth: Type.String(),
          roles: Type.Array(Type.String()),
          tokenId: Type.Optional(Type.String()),
          scopes: Type.Optional(Type.Array(Type.String())),
          elevation: Type.Optional(Type.Object({ id: Type.String(), roles: Type.Array(Type.String()), expiresAt: Type.String() })),
        }),
        ...authErrors,
      },
    },
    handler: async (request) => {
      const p = principalOf(request);
      return { id: p.id, person: personOf(p), type: p.type, auth: p.auth, roles: p.roles, tokenId: p.tokenId, scopes: p.scopes, elevation: p.elevation };
    },
  });
}
