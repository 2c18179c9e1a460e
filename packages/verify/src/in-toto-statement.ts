import { isResourceUri } from './resource-uri.js';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/**
 * Hex lengths of the DigestSet algorithms in-toto names (digest_set.md, "Supported algorithms"):
 * NIST names in lower case with `_`, lowercase hex; `gitCommit` and friends are a SHA-1 (40) or
 * SHA-256 (64) object id; `dirHash` is a SHA-256. shake/blake2/gost have no fixed length.
 */
const HEX_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  md5: [32], sha1: [40], ripemd160: [40], sha224: [56], sha512_224: [56], sha3_224: [56],
  sha256: [64], sha512_256: [64], sha3_256: [64], sm3: [64], dirHash: [64],
  sha384: [96], sha3_384: [96], sha512: [128], sha3_512: [128],
  gitCommit: [40, 64], gitTree: [40, 64], gitBlob: [40, 64], gitTag: [40, 64],
  shake128: [], shake256: [], blake2b: [], blake2s: [], gost: [],
};
// RFC 3339 §5.6 date-time, in UTC ("Z") as in-toto's Timestamp requires (field_types.md).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 6838 §4.2 type/subtype names, parameters allowed.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;

type Issues = string[];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// Parsing rules (README.md): "Unset, null, and empty field values MUST be interpreted equivalently".
const unset = (v: unknown) => v === undefined || v === null;

/** RFC 3339 in UTC, with a real calendar date and time of day. */
export function isTimestamp(value: unknown): boolean {
  const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && s <= 60;
}

function digestSet(v: unknown, at: string, issues: Issues): void {
  if (!isObject(v) || Object.keys(v).length === 0) return void issues.push(`${at}: a DigestSet is an object of one or more algorithm → value`);
  for (const [alg, value] of Object.entries(v)) {
    const lengths = HEX_LENGTHS[alg];
    if (typeof value !== 'string' || value.length === 0) issues.push(`${at}.${alg}: a digest value is a non-empty string`);
    else if (lengths && !/^[0-9a-f]+$/.test(value)) issues.push(`${at}.${alg}: ${alg} is lowercase hex`);
    else if (lengths && lengths.length > 0 && !lengths.includes(value.length)) issues.push(`${at}.${alg}: ${alg} is ${lengths.join(' or ')} hex digits, not ${value.length}`);
    else if (lengths && value.length % 2 !== 0) issues.push(`${at}.${alg}: an odd number of hex digits`);
  }
}

function uri(v: unknown, at: string, issues: Issues, required = false): void {
  if (unset(v)) return void (required && issues.push(`${at}: required`));
  if (typeof v !== 'string' || !isResourceUri(v)) issues.push(`${at}: ${JSON.stringify(v)} is not an RFC 3986 URI with lowercase scheme and authority`);
}

/** A ResourceDescriptor (resource_descriptor.md): one of uri, digest or content at least; each field of its type. */
export function resourceDescriptorIssues(v: unknown, at: string, issues: Issues = []): Issues {
  if (!isObject(v)) return [...issues, `${at}: a ResourceDescriptor is an object`];
  if (unset(v['uri']) && unset(v['digest']) && unset(v['content'])) issues.push(`${at}: a ResourceDescriptor MUST specify one of uri, digest or content`);
  if (!unset(v['name']) && typeof v['name'] !== 'string') issues.push(`${at}.name: a string`);
  uri(v['uri'], `${at}.uri`, issues);
  if (!unset(v['digest'])) digestSet(v['digest'], `${at}.digest`, issues);
  if (!unset(v['content']) && (typeof v['content'] !== 'string' || !BASE64.test(v['content']))) issues.push(`${at}.content: bytes, as standard base64`);
  uri(v['downloadLocation'], `${at}.downloadLocation`, issues);
  if (!unset(v['mediaType']) && (typeof v['mediaType'] !== 'string' || !MEDIA_TYPE.test(v['mediaType']))) issues.push(`${at}.mediaType: a MIME type`);
  if (!unset(v['annotations']) && !isObject(v['annotations'])) issues.push(`${at}.annotations: a map of field name to value`);
  return issues;
}

function descriptors(v: unknown, at: string, issues: Issues): void {
  if (unset(v)) return;
  if (!Array.isArray(v)) return void issues.push(`${at}: an array of ResourceDescriptors`);
  v.forEach((d, i) => resourceDescriptorIssues(d, `${at}[${i}]`, issues));
}

/** SLSA Provenance v1 (build-provenance.md): buildDefinition and runDetails with their required fields. */
function provenanceIssues(p: unknown, issues: Issues): void {
  if (!isObject(p)) return void issues.push('predicate: SLSA Provenance v1 is an object');
  const bd = p['buildDefinition'];
  if (!isObject(bd)) issues.push('predicate.buildDefinition: required');
  else {
    uri(bd['buildType'], 'predicate.buildDefinition.buildType', issues, true);
    if (!isObject(bd['externalParameters'])) issues.push('predicate.buildDefinition.externalParameters: required, an object');
    if (!unset(bd['internalParameters']) && !isObject(bd['internalParameters'])) issues.push('predicate.buildDefinition.internalParameters: an object');
    descriptors(bd['resolvedDependencies'], 'predicate.buildDefinition.resolvedDependencies', issues);
  }
  const rd = p['runDetails'];
  if (!isObject(rd)) return void issues.push('predicate.runDetails: required');
  const builder = rd['builder'];
  if (!isObject(builder)) issues.push('predicate.runDetails.builder: required');
  else {
    uri(builder['id'], 'predicate.runDetails.builder.id', issues, true);
    const version = builder['version'];
    if (!unset(version) && (!isObject(version) || Object.values(version).some((x) => typeof x !== 'string'))) issues.push('predicate.runDetails.builder.version: a map of string to string');
    descriptors(builder['builderDependencies'], 'predicate.runDetails.builder.builderDependencies', issues);
  }
  const meta = rd['metadata'];
  if (!unset(meta)) {
    if (!isObject(meta)) issues.push('predicate.runDetails.metadata: an object');
    else {
      if (!unset(meta['invocationId']) && typeof meta['invocationId'] !== 'string') issues.push('predicate.runDetails.metadata.invocationId: a string');
      for (const t of ['startedOn', 'finishedOn']) if (!unset(meta[t]) && !isTimestamp(meta[t])) issues.push(`predicate.runDetails.metadata.${t}: ${JSON.stringify(meta[t])} is not an RFC 3339 UTC timestamp`);
    }
  }
  descriptors(rd['byproducts'], 'predicate.runDetails.byproducts', issues);
}

/**
 * Everything wrong with an in-toto Statement v1 (statement.md), and with its predicate when it is
 * SLSA Provenance v1: an empty list means it conforms. Unknown fields are ignored, as the parsing
 * rules require. A subject needs a digest (statement.md: "Each element MUST have digest set"), and
 * at least one subject is needed, as in-toto's reference implementation checks.
 *
 * @example
 * statementIssues(JSON.parse(Buffer.from(verifyEnvelope(envelope, key)).toString('utf8'))) // []
 */
export function statementIssues(s: unknown): string[] {
  if (!isObject(s)) return ['the statement is not a JSON object'];
  const issues: Issues = [];
  if (s['_type'] !== IN_TOTO_STATEMENT_V1) issues.push(`_type: ${JSON.stringify(s['_type'])}, not ${IN_TOTO_STATEMENT_V1}`);
  const subject = s['subject'];
  if (!Array.isArray(subject) || subject.length === 0) issues.push('subject: required, one or more ResourceDescriptors');
  else {
    subject.forEach((d, i) => {
      resourceDescriptorIssues(d, `subject[${i}]`, issues);
      if (isObject(d) && unset(d['digest'])) issues.push(`subject[${i}].digest: every subject MUST have digest set`);
    });
  }
  uri(s['predicateType'], 'predicateType', issues, true);
  if (!unset(s['predicate']) && !isObject(s['predicate'])) issues.push('predicate: an object');
  if (s['predicateType'] === SLSA_PROVENANCE_V1) provenanceIssues(s['predicate'], issues);
  return issues;
}
