import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { Permission } from '../auth/permissions.js';
import { auditedHandler, type AuditedRead } from './audited-read.js';
import { ErrorBody } from './schemas.js';
import type { RouteGroup } from './route-groups.js';

/**
 * A route, the one permission it needs and the one group it belongs to. Routes are registered only
 * through `addRoute`, so a route cannot exist without a declared permission (the auth hook refuses
 * any that lacks one) nor outside a group (a listener serves groups, http/listener-scope.ts).
 */
export interface RouteDefinition {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly permission: Permission;
  readonly group: RouteGroup;
  readonly summary: string;
  readonly schema: FastifySchema;
  /** Largest body this route accepts, if not the server's default (e.g. large manifests). */
  readonly bodyLimit?: number;
  /** The sensitive read this route serves, recorded in the ledger before the response is sent. */
  readonly audit?: AuditedRead;
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
    group?: RouteGroup;
  }
}

export function addRoute(app: FastifyInstance, route: RouteDefinition): void {
  const security = route.permission === 'public' ? [] : [{ bearer: [] }];
  // An audited read can also be refused because its record could not be written.
  const schema = route.audit ? { ...route.schema, response: { ...(route.schema.response as object | undefined), 503: ErrorBody } } : route.schema;
  app.route({
    method: route.method,
    url: route.url,
    config: { permission: route.permission, group: route.group },
    schema: { summary: route.summary, security, ...schema, ...(route.permission === 'public' ? {} : { 'x-permission': route.permission }), 'x-group': route.group, ...(route.audit ? { 'x-audited-read': route.audit.read } : {}) },
    handler: route.audit ? auditedHandler(`${route.method} ${route.url}`, route.audit, route.handler) : route.handler,
    ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
  });
}
