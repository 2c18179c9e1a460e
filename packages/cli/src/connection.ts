import fs from 'node:fs';
import { CairnClient, FileTrustStore, type TlsOptions } from '@cairn/sdk';
import { CliError, EXIT } from './exit-codes.js';

export interface ConnectionOptions {
  readonly url?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly key?: string;
  readonly caFile?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The token from --token, --token-file, $CAIRN_TOKEN or $CAIRN_TOKEN_FILE, in that order. */
export function resolveToken(options: ConnectionOptions): string | undefined {
  if (options.token) return options.token;
  const file = options.tokenFile ?? process.env['CAIRN_TOKEN_FILE'];
  if (!options.tokenFile && process.env['CAIRN_TOKEN']) return process.env['CAIRN_TOKEN'];
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read token file ${file}: ${(err as Error).message}`, 'token_file_unreadable');
  }
}

/** A verifying client whose trusted checkpoint lives under the user's config directory. */
export function connect(options: ConnectionOptions): CairnClient {
  const url = options.url ?? process.env['CAIRN_URL'] ?? DEFAULT_URL;
  try {
    new URL(url);
  } catch {
    throw new CliError(EXIT.usage, `--url ${url} is not a URL`, 'invalid_url');
  }
  return new CairnClient({ url, token: resolveToken(options), verifierKey: options.key, trustStore: new FileTrustStore(), tls: resolveTls(options) });
}

/** --ca-file, --client-cert and --client-key (or $CAIRN_CA_FILE, $CAIRN_CLIENT_CERT, $CAIRN_CLIENT_KEY), read as PEM. */
export function resolveTls(options: ConnectionOptions): TlsOptions | undefined {
  const caFile = options.caFile ?? process.env['CAIRN_CA_FILE'];
  const certFile = options.clientCert ?? process.env['CAIRN_CLIENT_CERT'];
  const keyFile = options.clientKey ?? process.env['CAIRN_CLIENT_KEY'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new CliError(EXIT.usage, 'a client certificate needs both --client-cert and --client-key', 'invalid_arguments');
  if (caFile === undefined && certFile === undefined) return undefined;
  return {
    ca: caFile === undefined ? undefined : readPem(caFile, '--ca-file', 'CERTIFICATE'),
    cert: certFile === undefined ? undefined : readPem(certFile, '--client-cert', 'CERTIFICATE'),
    key: keyFile === undefined ? undefined : readPem(keyFile, '--client-key', 'PRIVATE KEY'),
  };
}

function readPem(file: string, flag: string, label: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read ${flag} ${file}: ${(err as Error).message}`, 'tls_file_unreadable');
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) throw new CliError(EXIT.usage, `${flag} ${file} is not a PEM file holding a ${label.toLowerCase()}`, 'tls_file_invalid');
  return text;
}
