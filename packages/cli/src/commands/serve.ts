import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULTS } from '@cairn/server/defaults';
import { DEFAULT_WRITE_RATE, parseTrustProxy, parseWriteRates, type WriteRates } from '@cairn/server/limits';
import { parseBytes, parseDuration, parseListen } from '../parse.js';
import { CliError, EXIT } from '../exit-codes.js';
import { fail } from '../output.js';

interface ServeOptions {
  data: string;
  listen: { host: string; port: number };
  databaseUrl?: string;
  databaseSchema?: string;
  origin?: string;
  keyFile?: string;
  checkpointInterval: number;
  bodyLimit: number;
  logLevel: string;
  oidcConfig?: string;
  admissionConfig?: string;
  policy?: string;
  fixPermissions?: boolean;
  trustProxy?: string[];
  writeRate: WriteRates;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tlsClientAuth?: 'request' | 'require';
  tlsClientPrincipals?: string;
  listeners?: string;
}

/** commander's form of a parser that throws a plain Error: exit 2 with its message. */
function asArgument<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** --tls-* flags → the server's TLS settings; a half-given pair is a usage error. */
function tlsSettings(o: ServeOptions) {
  const any = o.tlsCert ?? o.tlsKey ?? o.tlsClientCa ?? o.tlsClientAuth ?? o.tlsClientPrincipals;
  if (any === undefined) return undefined;
  if (o.listeners) throw new CliError(EXIT.usage, '--tls-* flags and --listeners exclude each other: give each listener its tls settings in the listeners file', 'invalid_arguments');
  if (!o.tlsCert || !o.tlsKey) throw new CliError(EXIT.usage, 'HTTPS needs both --tls-cert and --tls-key', 'invalid_arguments');
  if ((o.tlsClientAuth || o.tlsClientPrincipals) && !o.tlsClientCa) throw new CliError(EXIT.usage, '--tls-client-auth and --tls-client-principals need --tls-client-ca', 'invalid_arguments');
  return { certFile: o.tlsCert, keyFile: o.tlsKey, clientCaFile: o.tlsClientCa, clientAuth: o.tlsClientAuth, clientPrincipalsFile: o.tlsClientPrincipals };
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Cairn server (HTTP API, ledger, checkpoint signer)')
    .option('--data <dir>', 'data directory: embedded store, signing key, bootstrap token', process.env['CAIRN_DATA'] ?? DEFAULTS.dataDir)
    .addOption(new Option('--listen <host:port>', 'address to listen on ($CAIRN_LISTEN)').argParser(parseListen).default(parseListen(process.env['CAIRN_LISTEN'] ?? `${DEFAULTS.host}:${DEFAULTS.port}`), process.env['CAIRN_LISTEN'] ?? `${DEFAULTS.host}:${DEFAULTS.port}`))
    .option('--database-url <url>', 'PostgreSQL URL (default: $CAIRN_DATABASE_URL, else the embedded SQLite store under --data)')
    .option('--database-schema <name>', 'PostgreSQL schema to use (created if missing)', process.env['CAIRN_DATABASE_SCHEMA'])
    .option('--origin <name>', "the log's origin (checkpoint first line and key name); fixed on first start")
    .option('--key-file <file>', 'Ed25519 signing key (PKCS#8 PEM, mode 0600); created if missing', process.env['CAIRN_KEY_FILE'])
    .option('--oidc-config <file>', 'accept JWT bearer tokens from the identity provider (see docs/oidc.md)', process.env['CAIRN_OIDC_CONFIG'])
    .option('--admission-config <file>', 'Kubernetes admission settings: namespace → zone map, unknown kinds (see docs/deployments.md)', process.env['CAIRN_ADMISSION_CONFIG'])
    .option('--policy <file>', 'policy pack to activate on a store that has none yet (default: the shipped example)', process.env['CAIRN_POLICY'])
    .option('--tls-cert <file>', 'serve HTTPS with this certificate chain (PEM); reloaded on SIGHUP', process.env['CAIRN_TLS_CERT'])
    .option('--tls-key <file>', 'the TLS private key (PEM, mode 0600); reloaded on SIGHUP', process.env['CAIRN_TLS_KEY'])
    .option('--tls-client-ca <file>', 'CA certificates (PEM) that client certificates must chain to (mutual TLS)', process.env['CAIRN_TLS_CLIENT_CA'])
    .addOption(new Option('--tls-client-auth <mode>', 'request: accept clients without a certificate; require: refuse the handshake without one (default request with --tls-client-ca)').choices(['request', 'require']))
    .option('--tls-client-principals <file>', 'map client certificates to service principals (see docs/operations.md)', process.env['CAIRN_TLS_CLIENT_PRINCIPALS'])
    .option('--listeners <file>', 'several listeners, each with its address, TLS, route groups and roles (see docs/operations.md); replaces --listen', process.env['CAIRN_LISTENERS'])
    .option('--checkpoint-interval <duration>', 'sign a checkpoint at most this often when the tree grew', parseDuration, DEFAULTS.checkpointIntervalMs)
    .option('--body-limit <size>', 'largest request body accepted', parseBytes, DEFAULTS.bodyLimit)
    .option('--fix-permissions', 'tighten a data directory, store, key or token file that group or others can access (0700/0600) instead of refusing to start')
    .addOption(new Option('--trust-proxy <list>', "addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.5,10.1.0.0/16 ($CAIRN_TRUST_PROXY)").argParser(asArgument(parseTrustProxy)).default(process.env['CAIRN_TRUST_PROXY'] ? asArgument(parseTrustProxy)(process.env['CAIRN_TRUST_PROXY']) : undefined))
    .addOption(new Option('--write-rate <spec>', 'per-principal write limits by role: NAME=N/s[,burst=M];… with NAME default or a role ($CAIRN_WRITE_RATE)').argParser(asArgument(parseWriteRates)).default(parseWriteRates(process.env['CAIRN_WRITE_RATE'] ?? DEFAULT_WRITE_RATE), process.env['CAIRN_WRITE_RATE'] ?? DEFAULT_WRITE_RATE))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', process.env['CAIRN_LOG_LEVEL'] ?? DEFAULTS.logLevel)
    .addHelpText(
      'after',
      `
Examples:
  $ cairn serve                                   # embedded store under ./.cairn, http://127.0.0.1:8080
  $ cairn serve --data /var/lib/cairn --listen 0.0.0.0:8080
  $ CAIRN_DATABASE_URL=postgres://cairn@db/cairn cairn serve --key-file /etc/cairn/log.pem
  $ cairn serve --listen 0.0.0.0:8443 --tls-cert /etc/cairn/tls.crt --tls-key /etc/cairn/tls.key
  $ cairn serve --listeners /etc/cairn/listeners.yaml      # one listener per network segment`,
    )
    .action(async (options: ServeOptions) => {
      try {
        const tls = tlsSettings(options);
        const { checkDataPermissions, startServer, noticeLog } = await import('@cairn/server');
        const keyFile = options.keyFile;
        for (const fixed of checkDataPermissions({ dataDir: options.data, keyFile, fix: options.fixPermissions ?? false })) {
          process.stderr.write(`cairn: fixed permissions of ${fixed}\n`);
        }
        const { cairn, urls } = await startServer({
          dataDir: options.data,
          host: options.listen.host,
          port: options.listen.port,
          databaseUrl: options.databaseUrl ?? process.env['CAIRN_DATABASE_URL'],
          databaseSchema: options.databaseSchema,
          origin: options.origin,
          keyFile: options.keyFile,
          checkpointIntervalMs: options.checkpointInterval,
          bodyLimit: options.bodyLimit,
          logLevel: options.logLevel,
          oidcConfigFile: options.oidcConfig,
          admissionConfigFile: options.admissionConfig,
          policyFile: options.policy,
          trustProxy: options.trustProxy,
          writeRates: options.writeRate,
          tls,
          listenersFile: options.listeners,
        }).catch((err: unknown) => {
          throw addressInUse(err, options.listen);
        });
        // JSON lines, like every log line: one per listener of a --listeners file, then the banner,
        // from which scripts read `url` (the first listener's), `urls` and `logKey`.
        const notices = noticeLog();
        if (options.listeners) {
          cairn.listeners.forEach((l, i) => notices.info({ listener: l.config.name, url: urls[i], groups: l.config.groups, ...(l.config.roles ? { roles: l.config.roles } : {}) }, `Cairn listener ${l.config.name} on ${urls[i]} (${l.config.groups.join(', ')}${l.config.roles ? `; roles ${l.config.roles.join(', ')}` : ''})`));
        }
        const banner = { url: urls[0], urls, store: cairn.store.description, origin: cairn.ledger.origin, logKey: cairn.ledger.signer.verifierKey, ...(cairn.adminTokenFile ? { adminTokenFile: cairn.adminTokenFile } : {}) };
        notices.info(banner, `Cairn listening on ${urls.join(', ')}`);
        if (cairn.adminTokenFile) notices.info({ adminTokenFile: cairn.adminTokenFile }, `bootstrap admin token written to ${cairn.adminTokenFile} (mode 0600; it expires: cairn token bootstrap makes another)`);
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          notices.info({ signal }, `${signal}: stopping (finishing pending appends, signing a last checkpoint)`);
          cairn.close().then(
            () => process.exit(0),
            (err: unknown) => {
              notices.error({ err }, `cairn: shutdown failed: ${(err as Error).message}`);
              process.exit(1);
            },
          );
        };
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
        process.on('SIGHUP', () => {
          const { reloaded, failed } = cairn.reloadTls();
          process.stderr.write(`SIGHUP: TLS ${reloaded.length ? `reloaded for ${reloaded.join(', ')}` : 'not reloaded'}${failed.length ? `; kept the previous certificate for ${failed.join(', ')} (see the log)` : ''}\n`);
        });
      } catch (err) {
        fail({}, err);
      }
    });
}

/** A busy port is the operator's to resolve, not a bug: exit 3 with what to do. */
function addressInUse(err: unknown, listen: { host: string; port: number }): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return err;
  return new CliError(
    EXIT.unreachable,
    `cannot listen on ${listen.host}:${listen.port}: the address is already in use. Pass --listen ${listen.host}:<another port>, or find what holds it with \`ss -ltnp 'sport = :${listen.port}'\``,
    'address_in_use',
  );
}
