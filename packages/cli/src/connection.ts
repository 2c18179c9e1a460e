import fs from 'node:fs';
import { CairnClient, FileTrustStore } from '@cairn/sdk';
import { CliError, EXIT } from './exit-codes.js';

export interface ConnectionOptions {
  readonly url?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly key?: string;
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
  return new CairnClient({ url, token: resolveToken(options), verifierKey: options.key, trustStore: new FileTrustStore() });
}
