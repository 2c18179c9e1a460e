import type { FastifyRequest } from 'fastify';

/**
 * pino options for the request log: credentials redacted whatever the level, and URLs logged
 * without their query values (`/api/v1/x?token=…` is logged as `/api/v1/x?token`), so a secret
 * sent in a query string never reaches the log. JSON lines, one format for every log line.
 */
export function requestLogger(options: boolean | object): object {
  return {
    ...(typeof options === 'object' ? options : {}),
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: redactQuery(req.url), route: req.routeOptions?.url, remoteAddress: req.ip };
      },
    },
  };
}

/** The path as sent, followed by the query's parameter names only (names that look like names). */
export function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const name = p.split('=', 1)[0]!;
      return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : '…';
    });
  return `${url.slice(0, q)}?${names.join('&')}`;
}
