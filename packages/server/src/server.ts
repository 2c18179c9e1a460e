import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { Alerts } from './alerts/alerts.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { Deployments } from './deployments/deployments.js';
import { Exports } from './exports/exporter.js';
import { parseAdmissionConfig, type AdmissionOptions } from './deployments/admission/admission-config.js';
import { Authenticator, type JwtVerifier } from './auth/authenticator.js';
import { OidcVerifier, parseOidcConfig } from './auth/oidc.js';
import { Principals } from './auth/principals.js';
import { bootstrapAdminToken, TokenService } from './auth/tokens.js';
import { BreakGlass } from './governance/break-glass.js';
import { PolicyRegistry } from './governance/policy-registry.js';
import { buildApp, type App } from './http/app.js';
import { openLogIdentity } from './keys/log-identity.js';
import { Ledger } from './ledger/ledger.js';
import { Datasets } from './lineage/datasets.js';
import { manifestPieces } from './lineage/manifest-parts.js';
import { Runs } from './lineage/runs.js';
import { Registry } from './registry/registry.js';
import { examplePolicyPath } from './policy/index.js';
import type { Services } from './services.js';
import { Store } from './store/store.js';

export interface ServerConfig {
  /** Data directory: embedded store, signing key, bootstrap token. Default `./.cairn`. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** `postgres://…` to use PostgreSQL instead of the embedded store. */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly origin?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly checkpointIntervalMs: number;
  readonly bodyLimit: number;
  readonly logLevel: string;
  /** Policy pack activated on a store that has none yet (default: the shipped example pack). */
  readonly policyFile?: string | undefined;
  /** OIDC settings file (YAML or JSON, see docs/oidc.md): accept JWTs from the identity provider. */
  readonly oidcConfigFile?: string | undefined;
  /** A ready verifier instead of a file (tests, embedding). */
  readonly oidc?: JwtVerifier | undefined;
  /** Admission webhook settings file (YAML or JSON, see docs/deployments.md): namespace → zone, unknown kinds. */
  readonly admissionConfigFile?: string | undefined;
  /** Ready admission settings instead of a file (tests, embedding). */
  readonly admission?: AdmissionOptions | undefined;
  /** The clock of ledger entries and of the deployment and admission rules (tests, embedding; default Date.now). Must not run backwards. */
  readonly now?: (() => number) | undefined;
}

export { DEFAULTS } from './defaults.js';

/** Everything a running Cairn holds: its domain modules and the HTTP app. */
export interface Cairn extends Services {
  readonly app: App;
  /** Path of the bootstrap admin token file if it was created by this start. */
  readonly adminTokenFile: string | undefined;
  readonly keyCreated: boolean;
  readonly log: FastifyBaseLogger;
  close(): Promise<void>;
}

export async function openCairn(config: ServerConfig): Promise<Cairn> {
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  try {
    const keyFile = config.keyFile ?? path.join(config.dataDir, 'keys', 'log-ed25519.pem');
    const { signer, keyCreated } = await openLogIdentity(store, { keyFile, origin: config.origin, dataDir: config.dataDir });
    const ledger = new Ledger(store, signer, config.now ? { now: config.now } : {});
    const policies = new PolicyRegistry(store, ledger);
    const principals = new Principals(store, ledger, policies);
    const tokens = new TokenService(store, ledger, policies, principals);
    const alerts = new Alerts(store);
    const breakGlass = new BreakGlass(store, ledger, policies, alerts);
    const oidc = config.oidc ?? (config.oidcConfigFile ? await asConfiguration(() => OidcVerifier.create(parseOidcConfig(readConfigFile(config.oidcConfigFile!), config.oidcConfigFile!))) : undefined);
    const authenticator = new Authenticator(tokens, breakGlass, oidc);
    const manifests = manifestPieces(store, config.dataDir);
    await manifests.sweep();
    const datasets = new Datasets(store, ledger, policies, manifests);
    const runs = new Runs(store, ledger, policies, datasets);
    const registry = new Registry(store, ledger, policies, runs, principals);
    const deployments = new Deployments(store, ledger, policies, config.admission ?? (config.admissionConfigFile ? readAdmissionConfig(config.admissionConfigFile) : {}), { now: config.now });
    const exports = new Exports(store, ledger);
    const services: Services = { store, ledger, principals, tokens, policies, breakGlass, alerts, authenticator, datasets, runs, registry, deployments, exports };

    const policyFile = config.policyFile ?? examplePolicyPath();
    await asConfiguration(() => policies.bootstrap(readConfigFile(policyFile), path.basename(policyFile)));
    const adminTokenFile = await bootstrapAdminToken(tokens, principals, config.dataDir);

    const logger = config.logLevel === 'silent' ? false : { level: config.logLevel };
    const app = await buildApp({ services, bodyLimit: config.bodyLimit, logger });
    const log = app.fastify.log;
    ledger.checkpoints.start(config.checkpointIntervalMs, (err) => log.error({ err }, 'checkpoint signing failed'));
    let closed = false;
    return {
      ...services,
      app,
      adminTokenFile,
      keyCreated,
      log,
      async close() {
        if (closed) return;
        closed = true;
        ledger.checkpoints.stop();
        // Stop accepting, let every queued append commit and its reply reach the client, then
        // close the connections that are left (kept-alive ones would otherwise linger).
        const closing = app.fastify.close();
        await ledger.flush();
        await new Promise((r) => setTimeout(r, 200));
        app.fastify.server.closeAllConnections();
        await closing;
        await ledger.checkpoints.signIfGrown().catch((err: unknown) => log.error({ err }, 'final checkpoint failed'));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** A configuration the server cannot start with is the operator's to fix, not a crash. */
async function asConfiguration<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    const e = err as Error & { details?: { issues?: { file: string; line: number; column: number; path: string; message: string }[] } };
    const issues = e.details?.issues?.map((i) => `\n  ${i.file}:${i.line}:${i.column}: ${i.path}: ${i.message}`).join('') ?? '';
    throw new ConfigurationError(`${e.message}${issues}`, { cause: err });
  }
}

function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}

function readAdmissionConfig(file: string): AdmissionOptions {
  try {
    return parseAdmissionConfig(readConfigFile(file), file);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError((err as Error).message, { cause: err });
  }
}

/** Opens Cairn and listens; resolves with the bound address. */
export async function startServer(config: ServerConfig): Promise<{ cairn: Cairn; url: string }> {
  const cairn = await openCairn(config);
  try {
    const address = await cairn.app.fastify.listen({ host: config.host, port: config.port });
    return { cairn, url: address };
  } catch (err) {
    await cairn.close();
    throw err;
  }
}
