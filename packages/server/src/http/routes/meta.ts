import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { addRoute } from '../route.js';
import { authErrors } from '../schemas.js';

export function metaRoutes(app: FastifyInstance, metrics: Registry): void {
  addRoute(app, {
    method: 'GET',
    url: '/healthz',
    group: 'meta',
    permission: 'public',
    summary: 'Liveness: the process answers',
    schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  addRoute(app, {
    method: 'GET',
    url: '/api/v1/openapi.json',
    group: 'meta',
    permission: 'public',
    summary: 'This API described in OpenAPI 3.1, generated from the schemas that validate requests',
    schema: { hide: true } as never,
    handler: async () => app.swagger(),
  });

  addRoute(app, {
    method: 'GET',
    url: '/metrics',
    group: 'meta',
    permission: 'metrics:read',
    summary: 'Prometheus metrics (text exposition format)',
    schema: { produces: ['text/plain'], response: { 200: { type: 'string' }, ...authErrors } },
    handler: async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  });
}
