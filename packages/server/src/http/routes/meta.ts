import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { addRoute } from '../route.js';

export function metaRoutes(app: FastifyInstance): void {
  addRoute(app, {
    method: 'GET',
    url: '/healthz',
    permission: 'public',
    summary: 'Liveness: the process answers',
    schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/openapi.json',
    permission: 'public',
    summary: 'This API described in OpenAPI 3.1, generated from the schemas that validate requests',
    schema: { hide: true } as never,
    handler: async () => app.swagger(),
  });
}
