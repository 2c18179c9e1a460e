import fs from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importJWK,
  jwksCache,
  type ExportedJWKSCache,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { CairnError } from '../errors/catalog.js';

/** Tuning for a key set fetched from a URL; the defaults suit a production identity provider. */
export interface RemoteKeySetOptions {
  /** Abort a fetch after this long (default 5 s). */
  readonly timeoutMs?: number;
  /** After a fetch (or a failed one), wait this long before fetching again for an unknown `kid` (default 30 s). */
  readonly cooldownMs?: number;
  /** Refetch the key set when it is older than this (default 10 min). */
  readonly cacheMaxAgeMs?: number;
  /** While the URL cannot be reached, keep using keys fetched at most this long ago (default 24 h). */
  readonly staleMaxMs?: number;
}

/**
 * Reads a JWK Set file (RFC 7517 §5) once and checks every signing key in it, so that a bad file
 * stops the server at start rather than failing each request. Private or symmetric key material
 * is refused: the file should hold only what the identity provider publishes.
 */
export async function loadJwksFile(file: string, algorithms: readonly string[]): Promise<JWTVerifyGetKey> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the JWKS file: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: the JWKS file is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { keys?: unknown }).keys)) {
    throw new Error(`${file}: not a JWK Set: expected {"keys": [ ... ]} (RFC 7517 §5), as served at the identity provider's jwks_uri`);
  }
  const keys = (json as { keys: unknown[] }).keys;
  const problems: string[] = [];
  let usable = 0;
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) {
      problems.push(`keys[${i}] is not an object`);
      continue;
    }
    const jwk = key as JWK;
    const name = `keys[${i}]${typeof jwk.kid === 'string' ? ` (kid ${JSON.stringify(jwk.kid)})` : ''}`;
    if (jwk.kty === 'oct' || 'd' in jwk || 'k' in jwk) {
      problems.push(`${name} holds private or secret key material; put only the identity provider's public keys in this file`);
      continue;
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') continue; // e.g. an encryption key
    const alg = jwk.alg ?? defaultAlgorithm(jwk);
    if (alg === undefined || !algorithms.includes(alg)) continue;
    let imported: { algorithm?: { modulusLength?: number } };
    try {
      imported = (await importJWK(jwk, alg)) as typeof imported;
    } catch (err) {
      problems.push(`${name} is not a valid ${String(jwk.kty)} public key for ${alg}: ${(err as Error).message}`);
      continue;
    }
    // RFC 7518 §3.3 and §3.5: 2048 bits at least; jose would otherwise refuse each token at use.
    if (jwk.kty === 'RSA' && (imported.algorithm?.modulusLength ?? 0) < 2048) {
      problems.push(`${name} is an RSA key shorter than 2048 bits`);
      continue;
    }
    usable += 1;
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  if (usable === 0) throw new Error(`${file}: no key in the set can verify any of the allowed algorithms (${algorithms.join(', ')})`);
  return createLocalJWKSet(json as { keys: JWK[] });
}

/** The algorithm a key without `alg` would serve: enough to check its material at start. */
function defaultAlgorithm(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[jwk.crv ?? ''];
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * A key set fetched from the identity provider's `jwks_uri` with jose's remote set: cached,
 * refetched when stale or when a token names an unknown `kid` (key rotation), at most once per
 * cooldown. On top of it, an outage of the identity provider does not lock everyone out: the keys
 * last fetched stay in use (up to `staleMaxMs`) and the URL is retried once per cooldown, so
 * requests do not each wait for a timeout. A failure with no usable keys is a 503 `unavailable`,
 * not a 401: the caller did nothing wrong.
 */
export function remoteKeySet(url: string, options: RemoteKeySetOptions = {}): JWTVerifyGetKey {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const staleMaxMs = options.staleMaxMs ?? 24 * 3600_000;
  const cache: Partial<ExportedJWKSCache> = {};
  const remote = createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.timeoutMs ?? 5_000,
    cooldownDuration: cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    [jwksCache]: cache as ExportedJWKSCache,
  });
  let failedAt = -Infinity;
  let lastFailure: unknown;
  let stale: { uat: number; keys: JWTVerifyGetKey } | undefined;

  const lastKnownKeys = (): JWTVerifyGetKey | undefined => {
    if (cache.uat === undefined || cache.jwks === undefined || Date.now() - cache.uat > staleMaxMs) return undefined;
    if (stale?.uat !== cache.uat) stale = { uat: cache.uat, keys: createLocalJWKSet(cache.jwks) };
    return stale.keys;
  };
  const fromLastKnown = async (keys: JWTVerifyGetKey | undefined, ...args: Parameters<JWTVerifyGetKey>) => {
    if (!keys) throw unavailable(lastFailure);
    try {
      return await keys(...args);
    } catch (err) {
      // The token may be signed with a key published since the last fetch: we cannot tell.
      if (err instanceof errors.JWKSNoMatchingKey) throw unavailable(lastFailure);
      throw err;
    }
  };

  return async (header, token) => {
    if (Date.now() - failedAt < cooldownMs) return fromLastKnown(lastKnownKeys(), header, token);
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      failedAt = Date.now();
      lastFailure = err;
      return fromLastKnown(lastKnownKeys(), header, token);
    }
  };
}

const unavailable = (cause: unknown) =>
  new CairnError('unavailable', "the identity provider's signing keys cannot be fetched right now; retry later", { cause });
