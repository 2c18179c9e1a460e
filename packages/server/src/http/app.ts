import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { TokenService } from '../auth/tokens.js';
import type { Ledger } from '../ledger/ledger.js';
import { installAuth } from './authenticate.js';
import { installErrorHandling } from './error-handler.js';
import { entryRoutes } from './routes/entries.js';
import { logRoutes } from './routes/log.js';
import { metaRoutes } from './routes/meta.js';
import { ErrorBody } from './schemas.js';
import { validatorCompiler } from './validation.js';

export interface AppOptions {
  readonly ledger: Ledger;
  readonly tokens: TokenService;
  /** Largest accepted request body in bytes. */
  readonly bodyLimit?: number;
  /** pino logger options, or false for none. */
  readonly logger?: boolean | object;
  readonly version?: string;
}

export interface App {
  readonly fastify: FastifyInstance;
  readonly authFailures: FailureLimiter;
}

/**
 * The HTTP API. An event's path through it: route (http/routes) → authentication and the route's
 * permission (http/authenticate.ts) → schema validation (http/validation.ts) → domain module
 * (ledger) → one transaction in the store.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const fastify = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logger: options.logger ?? false,
    // Never log credentials, whatever the log level.
    ...(options.logger ? { logger: { ...(typeof options.logger === 'object' ? options.logger : {}), redact: ['req.headers.authorization'] } } : {}),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  fastify.setValidatorCompiler(validatorCompiler());
  fastify.removeContentTypeParser('text/plain'); // the API speaks JSON only: anything else is 415
  fastify.addSchema(ErrorBody);
  installErrorHandling(fastify);
  const authFailures = installAuth(fastify, options.tokens);

  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Cairn API', version: options.version ?? '0.1.0', description: 'Evidence plane for AI factories: a verifiable ledger and the records it proves.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  metaRoutes(fastify);
  entryRoutes(fastify, options.ledger);
  logRoutes(fastify, options.ledger);
  await fastify.ready();
  return { fastify, authFailures };
}
