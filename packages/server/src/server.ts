import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AccessLog } from './access/access-log.js';
import { Alerts } from './alerts/alerts.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { Deployments } from './deployments/deployments.js';
import { Exports } from './exports/exporter.js';
import { parseAdmissionConfig, type AdmissionOptions } from './deployments/admission/admission-config.js';
import { Authenticator, type JwtVerifier } from './auth/authenticator.js';
import { readClientPrincipals } from './auth/client-certificates.js';
import { OidcVerifier, parseOidcConfig } from './auth/oidc.js';
import { Principals } from './auth/principals.js';
import { logStream } from './log-stream.js';
import { bootstrapAdminToken, TokenService } from './auth/tokens.js';
import { BreakGlass } from './governance/break-glass.js';
import { PolicyRegistry } from './governance/policy-registry.js';
import type { App } from './http/app.js';
import { ListenerDenials } from './http/listener-denials.js';
import { ALL_ROUTE_GROUPS } from './http/route-groups.js';
import { buildListener, type Listener } from './listen/listener.js';
import { readListeners, type ListenerConfig } from './listen/listeners-config.js';
import { readTlsMaterial, type TlsSettings } from './listen/tls-settings.js';
import { openLogIdentity } from './keys/log-identity.js';
import { Ledger } from './ledger/ledger.js';
import { Datasets } from './lineage/datasets.js';
import { manifestPieces } from './lineage/manifest-parts.js';
import { Runs } from './lineage/runs.js';
import { Registry } from './registry/registry.js';
import { examplePolicyPath } from './policy/index.js';
import type { Services } from './services.js';
import { recordPendingRestore } from './store/restore-record.js';
import { Store } from './store/store.js';
import type { RefusalLimits } from './ledger/refusal-recorder.js';
import type { WriteRates } from './limits/write-rates.js';

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
  /** Addresses or CIDR blocks of reverse proxies whose `X-Forwarded-For` is believed (`--trust-proxy`). */
  readonly trustProxy?: readonly string[] | undefined;
  /** Per-principal write limits (`--write-rate`; default DEFAULT_WRITE_RATE). */
  readonly writeRates?: WriteRates | undefined;
  /** How many refusals are written one by one before they are only counted (default DEFAULT_REFUSAL_LIMITS). */
  readonly refusalLimits?: RefusalLimits | undefined;
  /** HTTPS on `host:port` (ignored with listeners). */
  readonly tls?: TlsSettings | undefined;
  /** Several listeners, each with its address, TLS and scope, instead of `host:port` (docs/operations.md). */
  readonly listenersFile?: string | undefined;
  /** Ready listeners instead of a file (tests, embedding). */
  readonly listeners?: readonly ListenerConfig[] | undefined;
}

export { DEFAULTS } from './defaults.js';

/** Everything a running Cairn holds: its domain modules and the HTTP app. */
export interface Cairn extends Services {
  /** The first listener's app. */
  readonly app: App;
  readonly listeners: readonly Listener[];
  /** Starts every listener; resolves with their URLs in order. */
  listen(): Promise<string[]>;
  /** SIGHUP: every TLS listener reads its certificate and key again; one that fails keeps its old ones (logged). */
  reloadTls(): { reloaded: string[]; failed: string[] };
  /** Path of the bootstrap admin token file if it was created by this start. */
  readonly adminTokenFile: string | undefined;
  readonly keyCreated: boolean;
  readonly log: FastifyBaseLogger;
  close(): Promise<void>;
}

export async function openCairn(config: ServerConfig): Promise<Cairn> {
  // Every listener's files are read before the store opens: a bad one is the operator's to fix.
  const listenerConfigs = config.listeners ?? (config.listenersFile ? readListeners(config.listenersFile) : [{ name: 'default', host: config.host, port: config.port, tls: config.tls, groups: ALL_ROUTE_GROUPS }]);
  for (const l of listenerConfigs) checkListenerFiles(l);
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  try {
    const keyFile = config.keyFile ?? path.join(config.dataDir, 'keys', 'log-ed25519.pem');
    const { signer, keyCreated } = await openLogIdentity(store, { keyFile, origin: config.origin, dataDir: config.dataDir });
    const ledger = new Ledger(store, signer, { ...(config.now ? { now: config.now } : {}), refusalLimits: config.refusalLimits });
    await recordPendingRestore(ledger);
    const policies = new PolicyRegistry(store, ledger);
    const principals = new Principals(store, ledger, policies);
    const tokens = new TokenService(store, ledger, policies, principals);
    const alerts = new Alerts(store);
    const breakGlass = new BreakGlass(store, ledger, policies, alerts);
    const oidc = config.oidc ?? (config.oidcConfigFile ? await asConfiguration(() => OidcVerifier.create(parseOidcConfig(readConfigFile(config.oidcConfigFile!), config.oidcConfigFile!))) : undefined);
    const authenticator = new Authenticator(tokens, breakGlass, principals, oidc);
    const manifests = manifestPieces(store, config.dataDir);
    await manifests.sweep();
    const datasets = new Datasets(store, ledger, policies, principals, manifests);
    const runs = new Runs(store, ledger, policies, datasets);
    const registry = new Registry(store, ledger, policies, runs, principals);
    const deployments = new Deployments(store, ledger, policies, config.admission ?? (config.admissionConfigFile ? readAdmissionConfig(config.admissionConfigFile) : {}), { now: config.now });
    const exports = new Exports(store, ledger);
    const accessLog = new AccessLog(ledger, policies);
    const services: Services = { store, ledger, principals, tokens, policies, breakGlass, alerts, authenticator, datasets, runs, registry, deployments, exports, accessLog };

    const policyFile = config.policyFile ?? examplePolicyPath();
    await asConfiguration(() => policies.bootstrap(readConfigFile(policyFile), path.basename(policyFile)));
    const adminTokenFile = await bootstrapAdminToken(tokens, principals, config.dataDir);

    const logger = config.logLevel === 'silent' ? false : { level: config.logLevel, stream: logStream(1) };
    const denials = new ListenerDenials(ledger, config.now);
    const listeners: Listener[] = [];
    for (const l of listenerConfigs) listeners.push(await buildListener(l, services, denials, { bodyLimit: config.bodyLimit, logger, trustProxy: config.trustProxy, writeRates: config.writeRates }));
    const app = listeners[0]!.app;
    const log = app.fastify.log;
    ledger.refusals.onError = (err) => log.error({ err }, 'writing a refusals.suppressed entry failed');
    store.onConnectionError((err) => log.warn({ reason: err.message }, 'store connection lost; the pool connects anew on next use'));
    ledger.checkpoints.start(config.checkpointIntervalMs, log);
    let closed = false;
    return {
      ...services,
      app,
      listeners,
      async listen() {
        const urls: string[] = [];
        for (const l of listeners) urls.push(await l.listen());
        return urls;
      },
      reloadTls() {
        const reloaded: string[] = [];
        const failed: string[] = [];
        for (const l of listeners.filter((x) => x.config.tls)) {
          try {
            l.reloadTls();
            reloaded.push(l.config.name);
            log.info({ listener: l.config.name }, 'TLS certificate and key reloaded');
          } catch (err) {
            failed.push(l.config.name);
            log.error({ listener: l.config.name, err: { message: (err as Error).message } }, 'TLS reload failed; the previous certificate and key stay in use');
          }
        }
        return { reloaded, failed };
      },
      adminTokenFile,
      keyCreated,
      log,
      async close() {
        if (closed) return;
        closed = true;
        ledger.checkpoints.stop();
        // Stop accepting, let every queued append commit and its reply reach the client, then
        // close the connections that are left (kept-alive ones would otherwise linger).
        const closing = Promise.all(listeners.map((l) => l.app.fastify.close()));
        await ledger.flush();
        await new Promise((r) => setTimeout(r, 200));
        for (const l of listeners) l.app.fastify.server.closeAllConnections();
        await closing;
        await ledger.refusals.flush(); // the counts of refusals not written one by one
        await ledger.checkpoints.signIfGrown().catch((err: unknown) => log.error({ err }, 'final checkpoint failed'));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function checkListenerFiles(l: ListenerConfig): void {
  if (!l.tls) return;
  readTlsMaterial(l.tls);
  if (l.tls.clientPrincipalsFile !== undefined) readClientPrincipals(l.tls.clientPrincipalsFile);
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

/** Opens Cairn and listens; resolves with the first listener's URL and all of them. */
export async function startServer(config: ServerConfig): Promise<{ cairn: Cairn; url: string; urls: string[] }> {
  const cairn = await openCairn(config);
  try {
    const urls = await cairn.listen();
    return { cairn, url: urls[0]!, urls };
  } catch (err) {
    await cairn.close();
    throw err;
  }
}
