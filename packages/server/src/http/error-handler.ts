import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, ERROR_CATALOG, type ApiErrorCode } from '../errors/catalog.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string, details?: unknown): FastifyReply {
  const body = details === undefined ? { error: { code, message } } : { error: { code, message, details } };
  return reply.status(ERROR_CATALOG[code].status).type('application/json').send(body);
}

/** The answer to a route that does not exist — and to one the listener does not serve, which must look the same. */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
}

/** Fastify's own request errors, mapped onto our catalogue. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

function describeIssue(part: string, issue: ValidationIssue): { path: string; message: string } {
  const extra = issue.params?.['additionalProperty'];
  const missing = issue.params?.['missingProperty'];
  const base = `${part}${issue.instancePath ?? ''}`;
  if (typeof extra === 'string') return { path: `${base}/${extra}`, message: 'unknown field' };
  if (typeof missing === 'string') return { path: `${base}/${missing}`, message: 'is required' };
  return { path: base, message: issue.message ?? 'is invalid' };
}

/**
 * One place turns every failure into `{ error: { code, message, details? } }`. A client never
 * sees a stack trace; an unexpected error is logged in full and answered with `internal`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | CairnError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof CairnError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return sendError(reply, error.code, error.message, error.details);
    }
    const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation) {
      const part = fe.validationContext ?? 'body';
      const details = fe.validation.map((issue) => describeIssue(part, issue));
      const first = details[0];
      return sendError(reply, 'invalid_request', first ? `${first.path} ${first.message}` : 'invalid request', details);
    }
    const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (mapped) return sendError(reply, mapped, fe.message);
    if (error instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return sendError(reply, 'invalid_json', 'the request body is not valid JSON');
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, 'invalid_request', fe.message);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'internal', 'an unexpected error occurred; the server log has the details');
  });

  app.setNotFoundHandler(sendNotFound);
}
