import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../auth/permissions.js';
import { MAX_ELEVATION_MINUTES } from '../../governance/break-glass.js';
import type { Services } from '../../services.js';
import { principalOf } from '../authenticate.js';
import { addRoute } from '../route.js';
import { DecisionSchema, ErrorBody, authErrors } from '../schemas.js';

const BreakGlassBody = Type.Object(
  {
    assume: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, uniqueItems: true }),
    minutes: Type.Integer({ minimum: 1, maximum: MAX_ELEVATION_MINUTES }),
    reason: Type.String({ minLength: 10, maxLength: 2000, description: 'why, in words a reviewer will read later' }),
  },
  { additionalProperties: false },
);
const ElevationSchema = Type.Object({
  id: Type.String(),
  principal: Type.String(),
  roles: Type.Array(Type.String()),
  reason: Type.String(),
  grantedAt: Type.String(),
  expiresAt: Type.String(),
  ledgerIndex: Type.Integer(),
});

export function breakGlassRoutes(app: FastifyInstance, { breakGlass, alerts }: Services): void {
  addRoute(app, {
    method: 'POST',
    url: '/api/v1/break-glass',
    group: 'identity',
    permission: 'break-glass:request',
    summary: 'Request time-boxed elevation (≤ 1 h) with a reason; granted only if policy allows; ledgered and alerted',
    schema: { body: BreakGlassBody, response: { 201: Type.Object({ elevation: ElevationSchema, decision: DecisionSchema }), ...authErrors, 404: ErrorBody } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof BreakGlassBody>;
      const result = await breakGlass.request(principalOf(request), { assume: body.assume, minutes: body.minutes, reason: body.reason });
      return reply.status(201).send(result);
    },
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/break-glass',
    group: 'identity',
    permission: 'self:read',
    summary: "The caller's elevation in force, if any",
    schema: { response: { 200: Type.Object({ elevation: Type.Union([ElevationSchema, Type.Null()]) }), ...authErrors } },
    handler: async (request) => ({ elevation: (await breakGlass.active(principalOf(request).id)) ?? null }),
  });

  const AlertsQuery = Type.Object({ active: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
  addRoute(app, {
    method: 'GET',
    url: '/api/v1/alerts',
    group: 'read',
    permission: 'alerts:read',
    summary: 'Security alerts, newest first (break-glass elevations are alerts while they last)',
    schema: {
      querystring: AlertsQuery,
      response: {
        200: Type.Object({
          alerts: Type.Array(
            Type.Object({
              id: Type.String(),
              kind: Type.String(),
              severity: Type.String(),
              message: Type.String(),
              principal: Type.Union([Type.String(), Type.Null()]),
              createdAt: Type.String(),
              expiresAt: Type.Union([Type.String(), Type.Null()]),
              active: Type.Boolean(),
              ledgerIndex: Type.Union([Type.Integer(), Type.Null()]),
            }),
          ),
        }),
        ...authErrors,
      },
    },
    handler: async (request) => {
      const q = request.query as Static<typeof AlertsQuery>;
      return { alerts: await alerts.list({ activeOnly: q.active ?? false, limit: q.limit }) };
    },
  });
}
