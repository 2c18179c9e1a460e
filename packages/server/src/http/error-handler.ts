import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, ERROR_CATALOG, type ApiErrorCode } from '../errors/catalog.js';
import { STORE_RETRY_AFTER_SECONDS, storeFailure } from '../store/unavailable.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string, details?: unknown): FastifyReply {
  const body = details === undefined ? { error: { code, message } } : { error: { code, message, details } };
  if (code === 'unavailable' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
  return reply.status(ERROR_CATALOG[code].status).type('application/json').send(body);
}

/** SQLSTATEs of text PostgreSQL cannot store: 22021 (NUL in text), 22P05 (\u0000 in jsonb). */
const PG_UNSTORABLE_TEXT = new Set(['22021', '22P05']);

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
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_MAX_PARAM_LENGTH: 'param_too_long',
};

/** Messages of our own for Fastify's errors whose message would echo the URL or a header back. */
const OWN_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  invalid_url: 'the request URL is not valid (bad percent-encoding)',
  param_too_long: 'a path parameter is longer than 100 characters',
  unsupported_media_type: 'the body must be application/json',
  invalid_json: 'the request body is not valid JSON',
};

/** The router's own errors (a URL it cannot decode, a parameter too long), in our shape: Fastify's `frameworkErrors`. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const code = FASTIFY_CODES[error.code] ?? 'invalid_request';
  void sendError(reply, code, OWN_MESSAGES[code] ?? 'the request cannot be routed');
}

/**
 * Errors Node's HTTP parser raises before there is a request (oversized headers, malformed
 * bytes, a timeout): answered in our shape on the raw socket, then the connection is closed, as
 * Node itself would. Fastify's `clientErrorHandler`.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ApiErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : 'malformed_request';
  const message = { headers_too_large: 'the request headers are too large', request_timeout: 'the request was not received in time', malformed_request: 'the request is not valid HTTP/1.1' }[code as 'headers_too_large'];
  const status = ERROR_CATALOG[code].status;
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

function describeIssue(part: string, issue: ValidationIssue): { path: string; message: string } {
  const extra = issue.params?.['additionalProperty'];
  const missing = issue.params?.['missingProperty'];
  const base = `${part}${issue.instancePath ?? ''}`;
  if (typeof extra === 'string') return { path: `${base}/${extra}`, message: 'unknown field' };
  if (typeof missing === 'string') return { path: `${base}/${missing}`, message: 'is required' };
  return { path: base, message: issue.message ?? 'is invalid' };
}

function rootMessage(err: unknown): string {
  let e = err as { cause?: unknown; message?: unknown } | undefined;
  while (e && typeof e.cause === 'object' && e.cause !== null) e = e.cause as typeof e;
  return typeof e?.message === 'string' ? e.message : String(e);
}

/**
 * One place turns every failure into `{ error: { code, message, details? } }`. A client never
 * sees a stack trace; an unexpected error is logged in full and answered with `internal`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | CairnError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const unreachable = storeFailure(error);
    if (unreachable) {
      // Expected while the database restarts: one line without a stack, not an "unexpected error".
      request.log.warn({ code: unreachable.code, reason: rootMessage(error) }, unreachable.message);
      return sendError(reply, unreachable.code, unreachable.message, unreachable.details);
    }
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
    if (mapped) return sendError(reply, mapped, OWN_MESSAGES[mapped] ?? fe.message);
    if (error instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return sendError(reply, 'invalid_json', 'the request body is not valid JSON');
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, 'invalid_request', fe.message);
    }
    // PostgreSQL stores no U+0000 in text (and no such escape in jsonb): the client's text, not our fault.
    if (PG_UNSTORABLE_TEXT.has(String((error as { code?: unknown }).code))) {
      return sendError(reply, 'invalid_request', 'the request carries text this store cannot hold (U+0000, the NUL character); remove it');
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'internal', 'an unexpected error occurred; the server log has the details');
  });

  app.setNotFoundHandler(sendNotFound);
}
