import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, type Authenticator } from '../auth/authenticator.js';
import { describeCertificate } from '../auth/client-certificates.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { Principal } from '../auth/principal.js';
import { CairnError, type ApiErrorCode } from '../errors/catalog.js';
import type { WriteLimiter } from '../limits/write-limiter.js';
import { sendError, sendNotFound } from './error-handler.js';
import type { ListenerDenials } from './listener-denials.js';
import type { ListenerScope } from './listener-scope.js';

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

export interface AuthOptions {
  readonly limiter: FailureLimiter;
  readonly writes: WriteLimiter;
  /** What this listener serves; without one, every route and role. */
  readonly scope?: ListenerScope | undefined;
  readonly denials?: ListenerDenials | undefined;
}

/** Methods that only read; every other method counts as a write for the per-principal limit. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication, authorisation and the write limit, before the body is even read: a caller
 * without a valid credential learns nothing about the route's input. Each route's one permission
 * and group come from its definition (http/route.ts); a route that declares none is refused here.
 * Failed authentications are throttled only once the credential has failed
 * (auth/failure-limiter.ts), so a valid token is served whoever shares its address.
 *
 * A route outside the listener's groups answers exactly as an unknown route does (nothing about
 * the other segment leaks) and is recorded; a caller none of whose roles the listener serves is
 * 403 and recorded likewise.
 */
export function installAuth(app: FastifyInstance, authenticator: Authenticator, options: AuthOptions): void {
  const { limiter, writes, scope, denials } = options;
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const { permission, group } = request.routeOptions.config;
    if (request.is404) return;
    if (permission === undefined || group === undefined) return sendError(reply, 'internal', 'route has no declared permission or group');

    if (scope && !scope.groups.has(group)) {
      // Who asked, if they say: only for the record, never for the answer.
      const principal = await credentialOf(request, authenticator, scope).catch(() => undefined);
      // The answer does not depend on the record: a store that cannot take it must not tell the caller the route exists.
      await denials?.record({ listener: scope.name, reason: 'route_group_not_served', method: request.method, route: request.routeOptions.url ?? '', group, client: request.ip, principal }).catch((err: unknown) => request.log.error({ err }, 'recording a listener refusal failed'));
      return sendNotFound(request, reply);
    }
    if (permission === 'public') return;

    const header = request.headers.authorization;
    const bearer = header === undefined ? null : BEARER.exec(header);
    if (header !== undefined && !bearer) {
      // A request with no credentials is not an attempt to guess one; a malformed header is.
      return failed(reply, limiter.record(request.ip, undefined), 'unauthenticated', 'the Authorization header must be "Bearer <token>"');
    }
    let principal: Principal | undefined;
    try {
      principal = await credentialOf(request, authenticator, scope);
    } catch (err) {
      if (err instanceof CairnError) {
        // Only a refused credential counts; an unreachable identity provider (503) must not lock users out.
        if (err.status !== 401) return sendError(reply, err.code, err.message);
        return failed(reply, limiter.record(request.ip, bearer ? credentialKey(bearer[1]!) : undefined), err.code, err.message);
      }
      throw err;
    }
    if (!principal) return sendError(reply, 'unauthenticated', scope?.clientCertificates ? 'a bearer token or a mapped client certificate is required' : 'a bearer token is required');

    if (scope?.roles) {
      const served = principal.roles.filter((r) => scope.roles!.has(r));
      if (served.length === 0) {
        await denials?.record({ listener: scope.name, reason: 'role_not_served', method: request.method, route: request.routeOptions.url ?? '', group, client: request.ip, principal }).catch((err: unknown) => request.log.error({ err }, 'recording a listener refusal failed'));
        return sendError(reply, 'forbidden', `listener ${scope.name} serves none of your roles`, { listener: scope.name, roles: principal.roles });
      }
      principal = { ...principal, roles: served };
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

const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

/**
 * The request's credential: a bearer token if there is one (it always wins, so a certificate
 * shared by a machine never widens what a person's token may do), else a client certificate the
 * handshake verified and the listener maps. Undefined when there is neither; throws a 401
 * CairnError for a credential that is refused.
 */
async function credentialOf(request: FastifyRequest, authenticator: Authenticator, scope: ListenerScope | undefined): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  if (match) return authenticator.authenticate(match[1]!);
  if (header !== undefined || !scope?.clientCertificates) return undefined;
  const socket = request.raw.socket as TLSSocket;
  // `authorized` is set only when the certificate chains to the listener's client CA.
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return undefined;
  const cert = describeCertificate(peer.raw);
  const id = scope.clientCertificates.principalFor(cert);
  return id === undefined ? undefined : authenticator.authenticateCertificate(cert, id);
}
