import path from 'node:path';
import { parseDocument } from 'yaml';
import { ROLES, isRole, type Role } from './permissions.js';

/**
 * How Cairn trusts an organisation's identity provider: whose tokens (issuer), meant for whom
 * (audience), signed by which keys (a JWKS file or URL), and how a claim maps to Cairn roles.
 * docs/oidc.md explains each field with Keycloak and Entra ID examples.
 */
export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** Exactly one of `jwksFile` (air-gapped sites) and `jwksUrl`. */
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  readonly clockSkewSeconds?: number;
  readonly algorithms?: readonly string[];
  readonly principalClaim?: string;
  /** A claim name, or a dotted path into nested claims such as Keycloak's `realm_access.roles`. */
  readonly rolesClaim?: string;
  readonly roleMapping: Readonly<Record<string, readonly Role[]>>;
  /** Marks service principals, e.g. `{ claim: 'idtyp', value: 'app' }` for Entra ID app-only tokens. */
  readonly serviceClaim?: { readonly claim: string; readonly value: string };
}

export const OIDC_DEFAULTS = {
  clockSkewSeconds: 60,
  algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'],
  principalClaim: 'sub',
  rolesClaim: 'groups',
} as const;

export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * The only algorithms a configuration may allow: asymmetric signatures (RFC 7518 §3.3–3.5,
 * RFC 8037, RFC 9864). `none` and HMAC are never accepted: with HMAC, anyone holding the
 * verification key — here a published public key — could mint tokens (RFC 8725 §2.1, §3.1).
 */
export const SIGNATURE_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];

const KEYS = [
  'issuer', 'audience', 'jwksFile', 'jwksUrl', 'clockSkewSeconds', 'algorithms',
  'principalClaim', 'rolesClaim', 'roleMapping', 'serviceClaim',
] as const;

/**
 * Parses an OIDC configuration file (YAML, or JSON, which is YAML too) and validates it strictly.
 * A relative `jwksFile` is resolved against the configuration file's directory.
 * Throws `Error("<file>: <problem>; <problem>…")` naming every problem found.
 *
 * @example
 * const config = parseOidcConfig(fs.readFileSync('oidc.yaml', 'utf8'), 'oidc.yaml');
 * const verifier = await OidcVerifier.create(config);
 */
export function parseOidcConfig(text: string, file: string): OidcConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new Error(`${file}: not valid YAML or JSON: ${doc.errors.map((e) => e.message.trim()).join('; ')}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  return checkOidcConfig(value, file, path.dirname(file));
}

/**
 * Validates a configuration value (from a file, or built in code) and returns a frozen copy with
 * `jwksFile` made absolute. Throws `Error("<source>: …")` listing every problem.
 */
export function checkOidcConfig(value: unknown, source: string, baseDir = process.cwd()): OidcConfig {
  const problems: string[] = [];
  if (!isPlainObject(value)) throw new Error(`${source}: the OIDC configuration must be a mapping of keys to values`);

  for (const key of Object.keys(value)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const near = KEYS.find((k) => squash(k) === squash(key));
    problems.push(`unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${KEYS.join(', ')}`);
  }

  const issuer = nonEmptyString(value, 'issuer', problems, true);

  let audience: string | readonly string[] | undefined;
  if (value.audience === undefined || value.audience === null) problems.push('"audience" is required');
  else if (typeof value.audience === 'string' && value.audience !== '') audience = value.audience;
  else if (Array.isArray(value.audience) && value.audience.length > 0 && value.audience.every((a) => typeof a === 'string' && a !== '')) {
    audience = Object.freeze([...(value.audience as string[])]);
  } else problems.push('"audience" must be a non-empty string or a non-empty list of non-empty strings');

  const jwksFile = nonEmptyString(value, 'jwksFile', problems, false);
  const jwksUrl = nonEmptyString(value, 'jwksUrl', problems, false);
  if (jwksFile !== undefined && jwksUrl !== undefined) {
    problems.push('"jwksFile" and "jwksUrl" are mutually exclusive: give the key set as a file (air-gapped sites) or as a URL, not both');
  } else if (jwksFile === undefined && jwksUrl === undefined && value.jwksFile == null && value.jwksUrl == null) {
    problems.push('one of "jwksFile" or "jwksUrl" is required: where the identity provider’s public signing keys are');
  }
  if (jwksUrl !== undefined) checkJwksUrl(jwksUrl, problems);

  let clockSkewSeconds: number | undefined;
  if (value.clockSkewSeconds !== undefined) {
    const skew = value.clockSkewSeconds;
    if (typeof skew !== 'number' || !Number.isInteger(skew) || skew < 0) {
      problems.push('"clockSkewSeconds" must be a whole number of seconds, 0 or more');
    } else if (skew > MAX_CLOCK_SKEW_SECONDS) {
      problems.push(`"clockSkewSeconds" is ${skew}, above the maximum of ${MAX_CLOCK_SKEW_SECONDS}: fix the clocks (NTP) rather than widen the window in which an expired token is still accepted`);
    } else clockSkewSeconds = skew;
  }

  let algorithms: readonly string[] | undefined;
  if (value.algorithms !== undefined) {
    const algs = value.algorithms;
    if (!Array.isArray(algs) || algs.length === 0 || !algs.every((a) => typeof a === 'string')) {
      problems.push('"algorithms" must be a non-empty list of algorithm names');
    } else {
      for (const alg of algs as string[]) {
        if (alg.toLowerCase() === 'none' || /^HS\d+$/i.test(alg)) {
          problems.push(`"algorithms" must not contain "${alg}": unsigned and HMAC-signed tokens are never accepted; allowed: ${SIGNATURE_ALGORITHMS.join(', ')}`);
        } else if (!SIGNATURE_ALGORITHMS.includes(alg)) {
          problems.push(`"algorithms" contains unknown algorithm "${alg}"; allowed: ${SIGNATURE_ALGORITHMS.join(', ')}`);
        }
      }
      algorithms = Object.freeze([...new Set(algs as string[])]);
    }
  }

  const principalClaim = nonEmptyString(value, 'principalClaim', problems, false);
  const rolesClaim = nonEmptyString(value, 'rolesClaim', problems, false);
  const roleMapping = checkRoleMapping(value.roleMapping, problems);

  let serviceClaim: OidcConfig['serviceClaim'];
  if (value.serviceClaim !== undefined) {
    const sc = value.serviceClaim;
    const extra = isPlainObject(sc) ? Object.keys(sc).filter((k) => k !== 'claim' && k !== 'value') : [];
    if (!isPlainObject(sc) || typeof sc.claim !== 'string' || sc.claim === '' || typeof sc.value !== 'string' || sc.value === '' || extra.length > 0) {
      problems.push('"serviceClaim" must be a mapping with exactly "claim" and "value", both non-empty strings, e.g. { claim: idtyp, value: app }');
    } else serviceClaim = Object.freeze({ claim: sc.claim, value: sc.value });
  }

  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return Object.freeze({
    issuer: issuer!,
    audience: audience!,
    ...(jwksFile !== undefined ? { jwksFile: path.resolve(baseDir, jwksFile) } : { jwksUrl: jwksUrl! }),
    ...(clockSkewSeconds !== undefined && { clockSkewSeconds }),
    ...(algorithms !== undefined && { algorithms }),
    ...(principalClaim !== undefined && { principalClaim }),
    ...(rolesClaim !== undefined && { rolesClaim }),
    roleMapping: roleMapping!,
    ...(serviceClaim !== undefined && { serviceClaim }),
  });
}

function checkRoleMapping(mapping: unknown, problems: string[]): OidcConfig['roleMapping'] | undefined {
  if (mapping === undefined || mapping === null) {
    problems.push('"roleMapping" is required: which claim values (groups, roles) grant which Cairn roles');
    return undefined;
  }
  if (!isPlainObject(mapping) || Object.keys(mapping).length === 0) {
    problems.push('"roleMapping" must be a non-empty mapping from claim values to lists of Cairn roles');
    return undefined;
  }
  // Own properties only, on an object without a prototype: a group called "constructor" or
  // "__proto__" must map to what the file says, not to something inherited.
  const result: Record<string, readonly Role[]> = Object.create(null);
  for (const [claimValue, roles] of Object.entries(mapping)) {
    const where = `roleMapping[${JSON.stringify(claimValue)}]`;
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
      problems.push(`${where} must be a list of Cairn roles, e.g. [engineer]`);
      continue;
    }
    const unknown = (roles as string[]).filter((r) => !isRole(r));
    if (unknown.length > 0) {
      problems.push(`${where}: unknown role${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `"${r}"`).join(', ')}; Cairn roles are ${ROLES.join(', ')}`);
      continue;
    }
    result[claimValue] = Object.freeze([...new Set(roles as Role[])]);
  }
  return Object.freeze(result);
}

/**
 * The key set decides who may sign tokens, so it must not be alterable in transit: https only,
 * except on the loopback interface (a local proxy or a test).
 */
function checkJwksUrl(value: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`"jwksUrl" is not a valid URL: ${JSON.stringify(value)}`);
    return;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    problems.push('"jwksUrl" must use https (plain http is allowed only on the loopback interface): whoever can alter the key set can sign tokens');
  }
  if (url.username !== '' || url.password !== '') problems.push('"jwksUrl" must not carry credentials');
}

function nonEmptyString(obj: Record<string, unknown>, key: string, problems: string[], required: boolean): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) problems.push(`"${key}" is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`"${key}" must be a non-empty string`);
    return undefined;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
