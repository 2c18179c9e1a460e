import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, type Authenticator } from '../auth/authenticator.js';
import { FailureLimiter } from '../auth/failure-limiter.js';
import type { Principal } from '../auth/principal.js';
import { CairnError } from '../errors/catalog.js';
import { sendError } from './error-handler.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The authenticated principal of a request; routes that need one are behind `installAuth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CairnError('internal', 'route reached without an authenticated principal');
  return request.principal;
}

/**
 * Authentication then authorisation, before the body is even read: a caller without a valid
 * token learns nothing about the route's input. Each route's one permission comes from its
 * definition (http/route.ts); a route that declares none is refused here.
 */
export function installAuth(app: FastifyInstance, authenticator: Authenticator, limiter = new FailureLimiter()): FailureLimiter {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config.permission;
    if (request.is404) return;
    if (permission === undefined) return sendError(reply, 'internal', 'route has no declared permission');
    if (permission === 'public') return;

    const wait = limiter.retryAfter(request.ip);
    if (wait > 0) {
      reply.header('retry-after', Math.ceil(wait / 1000));
      return sendError(reply, 'too_many_failed_authentications', 'too many failed authentications from this address');
    }
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    if (!match) {
      // A request with no credentials is not an attempt to guess one; a malformed header is.
      if (header !== undefined) limiter.record(request.ip);
      return sendError(reply, 'unauthenticated', header === undefined ? 'a bearer token is required' : 'the Authorization header must be "Bearer <token>"');
    }
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(match[1]!);
    } catch (err) {
      if (err instanceof CairnError) {
        // Only a refused credential counts; an unreachable identity provider (503) must not lock users out.
        if (err.status === 401) limiter.record(request.ip);
        return sendError(reply, err.code, err.message);
      }
      throw err;
    }
    if (!authorize(principal, permission)) {
      const details = { permission, roles: principal.roles, ...(principal.scopes ? { scopes: principal.scopes } : {}) };
      return sendError(reply, 'forbidden', `this route needs the ${permission} permission`, details);
    }
    request.principal = principal;
  });
  return limiter;
}
