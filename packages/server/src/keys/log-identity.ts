import crypto from 'node:crypto';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { isValidKeyName } from '@cairn/verify';
import type { Store } from '../store/store.js';
import { LogSigner, loadOrCreateSigningKey } from './log-signer.js';
import { ConfigurationError } from '../errors/configuration-error.js';

export interface LogIdentityOptions {
  readonly keyFile: string;
  /** The log's origin line (and key name). Pinned in the store on first start. */
  readonly origin?: string | undefined;
  readonly dataDir: string;
}

/** Default origin: the host name and a digest of the data directory, so two logs on one host differ. */
export function defaultOrigin(dataDir: string): string {
  const digest = crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8);
  const host = os.hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'localhost';
  return `${host}/cairn/${digest}`;
}

/**
 * The log's signer. Its origin and verifier key are pinned in the store the first time; later
 * starts (and other processes sharing the database) must present the same ones, so a log is
 * never signed under two names or by two keys by mistake.
 */
export async function openLogIdentity(store: Store, options: LogIdentityOptions): Promise<{ signer: LogSigner; keyCreated: boolean }> {
  const meta = async (key: string) =>
    (await store.db.selectFrom('cairn_meta').select('value').where('key', '=', key).executeTakeFirst())?.value;
  const checkOrigin = (pinned: string | undefined) => {
    if (pinned && options.origin && options.origin !== pinned) {
      throw new ConfigurationError(`this store's log has origin "${pinned}"; refusing to start with --origin "${options.origin}"`);
    }
  };
  const pinnedOrigin = await meta('log.origin');
  const pinnedKey = await meta('log.verifier_key');
  checkOrigin(pinnedOrigin);
  if (pinnedKey && !fs.existsSync(options.keyFile)) {
    // Never mint a new key for an existing log: it could not sign checkpoints that verify.
    throw new ConfigurationError(`no signing key at ${options.keyFile}; this log is signed by ${pinnedKey}: point --key-file at that key`);
  }
  let origin = pinnedOrigin ?? options.origin ?? defaultOrigin(options.dataDir);
  if (!isValidKeyName(origin)) throw new ConfigurationError(`origin "${origin}" is not a valid note key name (no spaces, no "+")`);
  const { key, created } = loadOrCreateSigningKey(options.keyFile);
  let signer = new LogSigner(origin, key);

  await store.db
    .insertInto('cairn_meta')
    .values([
      { key: 'log.origin', value: origin },
      { key: 'log.verifier_key', value: signer.verifierKey },
    ])
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  // Another process may have pinned first (replicas starting together): adopt its origin unless
  // one was asked for explicitly, then insist on the same key.
  const finalOrigin = (await meta('log.origin'))!;
  checkOrigin(finalOrigin);
  if (finalOrigin !== origin) {
    origin = finalOrigin;
    signer = new LogSigner(origin, key);
  }
  const finalKey = await meta('log.verifier_key');
  if (finalKey !== signer.verifierKey) {
    throw new ConfigurationError(`the key in ${options.keyFile} is not this log's key (${finalKey}); refusing to sign with another`);
  }
  return { signer, keyCreated: created };
}
