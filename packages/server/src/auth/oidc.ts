import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { CairnError } from '../errors/catalog.js';
import { rfc3339 } from '../ledger/entry.js';
import { checkOidcConfig, OIDC_DEFAULTS, type OidcConfig } from './oidc-config.js';
import { loadJwksFile, remoteKeySet, type RemoteKeySetOptions } from './oidc-keys.js';
import { ROLES, type Role } from './permissions.js';
import { normalisePrincipalId } from './person.js';
import { SYSTEM_ACTOR, type Principal } from './principal.js';

export { parseOidcConfig, checkOidcConfig, OIDC_DEFAULTS, MAX_CLOCK_SKEW_SECONDS, SIGNATURE_ALGORITHMS } from './oidc-config.js';
export type { OidcConfig } from './oidc-config.js';

/** Tuning that is not configuration: how a `jwksUrl` is fetched (tests shorten the cooldown). */
export interface OidcVerifierOptions {
  readonly jwks?: RemoteKeySetOptions;
}

/** Well above real tokens (Entra ID drops its groups claim past 200 groups); bounds the work hostile input costs. */
const MAX_JWT_LENGTH = 16 * 1024;
const MAX_ID_LENGTH = 256;

/**
 * Verifies bearer JWTs issued by the organisation's identity provider (RFC 7519, RFC 8725) and
 * maps them to Cairn principals. Signature, issuer, audience, algorithm, expiry and not-before
 * are checked by jose; the clock skew, `iat`, principal and roles here.
 *
 * A verified token whose groups map to no Cairn role still authenticates, with no roles: who the
 * caller is has been proved, and every permission check then answers 403 `forbidden`, which
 * tells the person (and the operator reading the log) "known, but not granted" instead of the
 * misleading "who are you?" of a 401.
 *
 * @example
 * const verifier = await OidcVerifier.create(parseOidcConfig(text, 'oidc.yaml'));
 * if (OidcVerifier.looksLikeJwt(bearer)) principal = await verifier.verify(bearer);
 */
export class OidcVerifier {
  readonly config: OidcConfig;
  readonly #keys: JWTVerifyGetKey;
  readonly #options: JWTVerifyOptions;
  readonly #skew: number;
  readonly #principalClaim: string;
  readonly #rolesClaim: string;
  readonly #roleMapping: ReadonlyMap<string, readonly Role[]>;

  private constructor(config: OidcConfig, keys: JWTVerifyGetKey) {
    this.config = config;
    this.#keys = keys;
    this.#skew = config.clockSkewSeconds ?? OIDC_DEFAULTS.clockSkewSeconds;
    this.#principalClaim = config.principalClaim ?? OIDC_DEFAULTS.principalClaim;
    this.#rolesClaim = config.rolesClaim ?? OIDC_DEFAULTS.rolesClaim;
    this.#roleMapping = new Map(Object.entries(config.roleMapping));
    this.#options = {
      issuer: config.issuer,
      audience: typeof config.audience === 'string' ? config.audience : [...config.audience],
      algorithms: [...(config.algorithms ?? OIDC_DEFAULTS.algorithms)],
      clockTolerance: this.#skew,
      // A token without an expiry would be valid for ever.
      requiredClaims: ['exp'],
    };
  }

  /**
   * Validates the configuration and loads the keys: a `jwksFile` is read and checked now (a bad
   * file stops the server at start); a `jwksUrl` is fetched on first use and cached.
   */
  static async create(config: OidcConfig, options: OidcVerifierOptions = {}): Promise<OidcVerifier> {
    const checked = checkOidcConfig(config, 'OIDC configuration');
    const algorithms = checked.algorithms ?? OIDC_DEFAULTS.algorithms;
    const keys = checked.jwksFile !== undefined ? await loadJwksFile(checked.jwksFile, algorithms) : remoteKeySet(checked.jwksUrl!, options.jwks);
    return new OidcVerifier(checked, keys);
  }

  /**
   * Does this bearer string have the shape of a compact JWS (three base64url parts, RFC 7515
   * §7.1)? Cairn's own API tokens (`cairn_…`) never contain a dot, so this routes unambiguously.
   */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  /** The principal the token stands for, or a CairnError: 401, or 503 if the keys cannot be fetched. */
  async verify(jwt: string): Promise<Principal> {
    if (jwt.length > MAX_JWT_LENGTH) throw refused(`the bearer token is longer than ${MAX_JWT_LENGTH} characters`);
    let claims: JWTPayload;
    try {
      claims = await this.#verifySignatureAndClaims(jwt);
    } catch (err) {
      throw this.#explain(err);
    }
    // jose checks `iat` only when a maximum token age is set; a token issued in the future means
    // one of the two clocks is wrong, and the skew is all we tolerate.
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > now + this.#skew) throw this.#fromTheFuture('iat', claims.iat, now);
    return this.#principalOf(claims);
  }

  async #verifySignatureAndClaims(jwt: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(jwt, this.#keys, this.#options)).payload;
    } catch (err) {
      // A token without `kid` when several keys fit: try each (jose's documented pattern).
      if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
      for await (const key of err) {
        try {
          return (await jwtVerify(jwt, key, this.#options)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  #principalOf(claims: JWTPayload): Principal {
    const claim = this.#principalClaim;
    const raw = claimAt(claims, claim);
    if (typeof raw !== 'string' || raw.trim() === '') throw refused(`the token has no "${claim}" claim naming the principal`);
    // The identity provider vouches for the person; ids are compared normalised (auth/person.ts).
    const id = normalisePrincipalId(raw);
    if (!isUsableId(id)) throw refused(`the token's "${claim}" claim is not a usable principal id (at most ${MAX_ID_LENGTH} characters, no control characters)`);
    if (id === SYSTEM_ACTOR.id) throw refused(`the token's "${claim}" claim names ${id}, the name Cairn writes its own entries under; no principal can take it`);

    const granted = new Set<Role>();
    for (const value of claimValues(claimAt(claims, this.#rolesClaim))) {
      for (const role of this.#roleMapping.get(value) ?? []) granted.add(role);
    }
    const roles = ROLES.filter((role) => granted.has(role));

    const sc = this.config.serviceClaim;
    const type = sc !== undefined && claimValues(claimAt(claims, sc.claim)).includes(sc.value) ? 'service' : 'user';
    const jti = typeof claims.jti === 'string' && isUsableId(claims.jti) ? claims.jti : undefined;
    return jti === undefined ? { id, type, roles, auth: 'oidc' } : { id, type, roles, auth: 'oidc', tokenId: jti };
  }

  /** jose's errors, turned into catalogue codes with messages a person can act on. */
  #explain(err: unknown): unknown {
    if (err instanceof CairnError) return err;
    const now = Math.floor(Date.now() / 1000);
    if (err instanceof errors.JWTExpired) {
      const exp = err.payload.exp ?? now;
      return new CairnError(
        'token_expired',
        `the token expired at ${time(exp)}, ${now - exp} seconds ago, beyond the allowed clock skew of ${this.#skew} seconds`,
        { details: { expiredSecondsAgo: now - exp, clockSkewSeconds: this.#skew }, cause: err },
      );
    }
    if (err instanceof errors.JWTClaimValidationFailed) {
      const claim = err.claim;
      if (claim === 'nbf' && err.reason === 'check_failed' && typeof err.payload.nbf === 'number') return this.#fromTheFuture('nbf', err.payload.nbf, now, err);
      if (claim === 'iss') return refused(`the token was not issued by the configured issuer ${JSON.stringify(this.config.issuer)}`, err);
      if (claim === 'aud') return refused(`the token's audience does not include ${describe(this.config.audience)}`, err);
      if (claim === 'exp' && err.reason === 'missing') return refused('the token has no expiry ("exp" claim); only expiring tokens are accepted', err);
      return refused(`the token's "${claim}" claim is invalid`, err);
    }
    if (err instanceof errors.JOSEAlgNotAllowed) return refused(`the token's signing algorithm is not allowed; allowed: ${this.#options.algorithms!.join(', ')}`, err);
    if (err instanceof errors.JWKSNoMatchingKey) return refused("no key in the identity provider's key set matches the token's key id and algorithm", err);
    if (err instanceof errors.JWSSignatureVerificationFailed) return refused("the token's signature does not verify", err);
    if (err instanceof errors.JOSEError) return refused('the bearer token is not a well-formed signed JWT', err);
    return err;
  }

  #fromTheFuture(claim: 'nbf' | 'iat', at: number, now: number, cause?: unknown): CairnError {
    const ahead = at - now;
    const what = claim === 'nbf' ? 'not valid before' : 'issued at';
    return new CairnError(
      'token_not_yet_valid',
      `the token is from the future by ${ahead} seconds (${what} ${time(at)}), beyond the allowed clock skew of ${this.#skew} seconds: check the clocks of this server and the identity provider`,
      { details: { claim, aheadSeconds: ahead, clockSkewSeconds: this.#skew }, cause },
    );
  }
}

const refused = (message: string, cause?: unknown) => new CairnError('unauthenticated', message, { cause });

/**
 * A claim by name, or, failing that, by dotted path (`realm_access.roles`). The literal name is
 * tried first because some providers use URIs as claim names (ADFS, Entra ID's
 * `http://schemas.microsoft.com/ws/2008/06/identity/claims/role`). Own properties only.
 */
function claimAt(claims: JWTPayload, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A claim holding one string or a list of them (providers emit both); anything else holds none. */
function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Ids end up in ledger entries, which are canonical JSON (RFC 8785): no lone surrogates. */
function isUsableId(value: string): boolean {
  return value.length <= MAX_ID_LENGTH && !/[\u0000-\u001f\u007f]|\p{Cs}/u.test(value);
}

function time(seconds: number): string {
  return Number.isFinite(seconds) && Math.abs(seconds) < 1e11 ? rfc3339(seconds * 1000) : String(seconds);
}

const describe = (audience: string | readonly string[]) =>
  typeof audience === 'string' ? JSON.stringify(audience) : `any of ${audience.map((a) => JSON.stringify(a)).join(', ')}`;
