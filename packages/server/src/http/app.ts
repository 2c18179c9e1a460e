import type { TlsOptions } from 'node:tls';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { FailureLimiter } from '../auth/failure-limiter.js';
import { WriteLimiter } from '../limits/write-limiter.js';
import { parseWriteRates, DEFAULT_WRITE_RATE, type WriteRates } from '../limits/write-rates.js';
import type { Services } from '../services.js';
import { installAccessLog } from './audited-read.js';
import { installAuth } from './authenticate.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { requestLogger } from './request-logger.js';
import { inexactNumbers } from './exact-numbers.js';
import { CairnError } from '../errors/catalog.js';
import type { ListenerDenials } from './listener-denials.js';
import type { ListenerScope } from './listener-scope.js';
import { installMetrics } from './metrics.js';
import { breakGlassRoutes } from './routes/break-glass.js';
import { deploymentRoutes } from './routes/deployments.js';
import { entryRoutes } from './routes/entries.js';
import { exportRoutes } from './routes/exports.js';
import { identityRoutes } from './routes/identity.js';
import { principalRoutes } from './routes/principals.js';
import { lineageRoutes } from './routes/lineage.js';
import { logRoutes } from './routes/log.js';
import { metaRoutes } from './routes/meta.js';
import { openLineageRoutes } from './routes/openlineage.js';
import { policyRoutes } from './routes/policy.js';
import { registryRoutes } from './routes/registry.js';
import { ErrorBody } from './schemas.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  readonly services: Services;
  /** Largest accepted request body in bytes. */
  readonly bodyLimit?: number;
  /** pino logger options, or false for none. */
  readonly logger?: boolean | object;
  readonly version?: string;
  /** Addresses or CIDR blocks of reverse proxies whose `X-Forwarded-For` is believed (limits/trust-proxy.ts). */
  readonly trustProxy?: readonly string[] | undefined;
  /** Per-principal write limits (default: DEFAULT_WRITE_RATE). */
  readonly writeRates?: WriteRates | undefined;
  /** Serve HTTPS with these options (listen/tls-settings.ts) instead of plain HTTP. */
  readonly https?: TlsOptions | undefined;
  /** What this listener serves; default everything. */
  readonly scope?: ListenerScope | undefined;
  /** Where refusals by the listener's scope are recorded (shared by all listeners). */
  readonly denials?: ListenerDenials | undefined;
}

export interface App {
  readonly fastify: FastifyInstance;
  readonly authFailures: FailureLimiter;
  readonly writeLimits: WriteLimiter;
  /** Every route registered, with its permission: what the authorisation matrix test walks. */
  readonly routes: readonly { method: string; url: string; permission: string | undefined; group: string | undefined }[];
}

/**
 * The HTTP API. An event's path through it: route (http/routes) → authentication and the route's
 * permission (http/authenticate.ts) → schema validation (http/validation.ts) → domain module
 * (ledger, policy registry, …) → one transaction in the store.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const fastify = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Never log credentials, whatever the log level.
    logger: options.logger ? requestLogger(options.logger) : false,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    return503OnClosing: true,
    // Router and HTTP parser errors answer in the catalogue's shape, never echoing the URL.
    frameworkErrors,
    clientErrorHandler,
    forceCloseConnections: 'idle', // active requests finish on close (see Cairn.close)
    // Fastify makes the https.Server itself (with its timeouts); the listener swaps its secure context on SIGHUP.
    ...(options.https ? { https: options.https } : {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;
  const routes: { method: string; url: string; permission: string | undefined; group: string | undefined }[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, permission: route.config?.permission, group: route.config?.group });
    }
  });
  fastify.setValidatorCompiler(validatorCompiler());
  fastify.removeContentTypeParser('text/plain'); // the API speaks JSON only: anything else is 415
  // Fastify's own JSON parser (prototype-poisoning checks and all), after the I-JSON number check.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const inexact = inexactNumbers(body as string);
    if (inexact.length > 0) {
      done(new CairnError('number_not_exact', `${inexact.map((t) => JSON.stringify(t)).join(', ')} cannot be stored exactly: Cairn keeps numbers as IEEE 754 doubles in canonical JSON (RFC 8785, I-JSON RFC 7493), so this value would be altered; send it as a string`, { details: { numbers: inexact } }), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
  fastify.addSchema(ErrorBody);
  installErrorHandling(fastify);
  const authFailures = new FailureLimiter();
  const writeLimits = new WriteLimiter(options.writeRates ?? parseWriteRates(DEFAULT_WRITE_RATE));
  installAuth(fastify, options.services.authenticator, { limiter: authFailures, writes: writeLimits, scope: options.scope, denials: options.denials });
  const metrics = installMetrics(fastify, options.services, { authFailures, writeLimits });
  installAccessLog(fastify, options.services.accessLog);

  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Cairn API', version: options.version ?? '0.1.0', description: 'Evidence plane for AI factories: a verifiable ledger and the records it proves.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  metaRoutes(fastify, metrics);
  entryRoutes(fastify, options.services);
  logRoutes(fastify, options.services);
  identityRoutes(fastify, options.services);
  principalRoutes(fastify, options.services);
  breakGlassRoutes(fastify, options.services);
  policyRoutes(fastify, options.services);
  lineageRoutes(fastify, options.services);
  registryRoutes(fastify, options.services);
  deploymentRoutes(fastify, options.services);
  openLineageRoutes(fastify, options.services);
  exportRoutes(fastify, options.services);
  await fastify.ready();
  return { fastify, authFailures, writeLimits, routes };
}
