import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, type Authenticator } from '../auth/authenticator.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { Principal } from '../auth/principal.js';
import { CairnError, type ApiErrorCode } from '../errors/catalog.js';
import type { WriteLimiter } from '../limits/write-limiter.js';
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

/** Methods that only read; every other method counts as a write for the per-principal limit. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication, authorisation and the write limit, before the body is even read: a caller
 * without a valid token learns nothing about the route's input. Each route's one permission comes
 * from its definition (http/route.ts); a route that declares none is refused here. Failed
 * authentications are throttled only once the credential has failed (auth/failure-limiter.ts), so
 * a valid token is served whoever shares its address.
 */
export function installAuth(app: FastifyInstance, authenticator: Authenticator, limiter: FailureLimiter, writes: WriteLimiter): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const permission = request.routeOptions.config.permission;
    if (request.is404) return;
    if (permission === undefined) return sendError(reply, 'internal', 'route has no declared permission');
    if (permission === 'public') return;

    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    if (!match) {
      // A request with no credentials is not an attempt to guess one; a malformed header is.
      if (header === undefined) return sendError(reply, 'unauthenticated', 'a bearer token is required');
      return failed(reply, limiter.record(request.ip, undefined), 'unauthenticated', 'the Authorization header must be "Bearer <token>"');
    }
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(match[1]!);
    } catch (err) {
      if (err instanceof CairnError) {
        // Only a refused credential counts; an unreachable identity provider (503) must not lock users out.
        if (err.status !== 401) return sendError(reply, err.code, err.message);
        return failed(reply, limiter.record(request.ip, credentialKey(match[1]!)), err.code, err.message);
      }
      throw err;
    }
    if (!authorize(principal, permission)) {
      const details = { permission, roles: principal.roles, ...(principal.scopes ? { scopes: principal.scopes } : {}) };
      return sendError(reply, 'forbidden', `this route needs the ${permission} permission`, details);
    }
    if (!READS.has(request.method)) {
      const wait = writes.take(principal);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        return sendError(reply, 'rate_limited', `${principal.id} is over its write limit; retry after ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait });
      }
    }
    request.principal = principal;
  });
}

/** The failure's own answer, or 429 once its client or credential is over the limit. */
function failed(reply: FastifyReply, wait: number, code: ApiErrorCode, message: string): FastifyReply {
  if (wait === 0) return sendError(reply, code, message);
  reply.header('retry-after', Math.ceil(wait / 1000));
  return sendError(reply, 'too_many_failed_authentications', 'too many failed authentications from this client or with this credential');
}

/** What the limiter keys a credential on: part of its SHA-256, never the credential. */
function credentialKey(credential: string): string {
  return crypto.createHash('sha256').update(credential).digest('base64url').slice(0, 22);
}
