import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessLog } from '../access/access-log.js';
import type { ReadKind } from '../policy/pack.js';
import { principalOf } from './authenticate.js';

/** A route that serves sensitive material: the read is recorded, if the policy pack says so, before the response leaves. */
export interface AuditedRead {
  readonly read: ReadKind;
  /** What the response discloses, by reference (`evidence:sha256:…`); none means nothing to record. */
  readonly objects: (request: FastifyRequest, result: unknown) => readonly string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    accessLog: AccessLog;
  }
}

export function installAccessLog(app: FastifyInstance, accessLog: AccessLog): void {
  app.decorate('accessLog', accessLog);
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Wraps an audited route's handler: the handler computes the body, the access record is
 * committed (sharing a group commit with concurrent reads), and only then is the body returned
 * for Fastify to send. If the record cannot be written the read is answered 503
 * `access_not_recorded`, not served. A failed read (404, 409) throws before anything is recorded;
 * a 401 or 403 never reaches the handler.
 */
export function auditedHandler(route: string, audit: AuditedRead, handler: Handler): Handler {
  return async (request, reply) => {
    const result = await handler(request, reply);
    // A handler that sent its own reply would disclose before the record is durable.
    if (reply.sent) throw new Error(`${route} is audited, so its handler must return its body, not send it`);
    await request.server.accessLog.record(principalOf(request), { read: audit.read, objects: audit.objects(request, result), route });
    return result;
  };
}
