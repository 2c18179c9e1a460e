/**
 * The one catalogue of API error codes. Every error a client can see has a code here, with its
 * HTTP status and a one-line meaning; docs/errors.md lists the same codes (a test keeps the two in
 * step). Clients branch on `code`, never on `message`.
 */
export const ERROR_CATALOG = {
  invalid_json: { status: 400, meaning: 'The request body is not well-formed JSON.' },
  invalid_url: { status: 400, meaning: 'The request URL cannot be decoded (bad percent-encoding such as `%FF`); it is not echoed back.' },
  param_too_long: { status: 414, meaning: 'A path parameter is longer than 100 characters; no identifier Cairn issues is that long.' },
  headers_too_large: { status: 431, meaning: 'The request headers exceed the server limit (Node’s `--max-http-header-size`, 16 KiB by default); the connection is closed after this answer.' },
  malformed_request: { status: 400, meaning: 'The bytes received are not an HTTP/1.1 request (a bad request line, header or chunk); the connection is closed after this answer.' },
  request_timeout: { status: 408, meaning: 'The request was not received completely in time; the connection is closed after this answer.' },
  invalid_request: { status: 400, meaning: 'The request does not match the schema: a missing or unknown field, a wrong type, a value out of range. `details` lists each problem with its path.' },
  unsupported_media_type: { status: 415, meaning: 'The body is not `application/json`, or comes in a content encoding the server does not accept (gzip and deflate are accepted where documented).' },
  payload_too_large: { status: 413, meaning: 'The body exceeds the server limit (`--body-limit`).' },
  unauthenticated: { status: 401, meaning: 'No bearer token, a token the server does not know, or a JWT that fails verification (signature, issuer, audience, algorithm).' },
  token_expired: { status: 401, meaning: 'The bearer token has expired or was revoked.' },
  token_not_yet_valid: { status: 401, meaning: 'The OIDC token is not valid yet (`nbf`/`iat` in the future beyond the allowed clock skew): check the clocks.' },
  too_many_failed_authentications: { status: 429, meaning: 'This credential failed, and too many failed authentications came from this client (its address, or the `X-Forwarded-For` client behind a trusted proxy) or with this very credential; retry after the time in `Retry-After`. A valid credential is never refused this way.' },
  rate_limited: { status: 429, meaning: 'The principal is over its write limit (`--write-rate`, per role); retry after the time in `Retry-After` (`details.retryAfterMs`). Reads are not limited; nothing was written.' },
  forbidden: { status: 403, meaning: 'The token is valid but lacks the permission this route needs (`details.permission`).' },
  separation_of_duties: { status: 403, meaning: 'The action would let one person both make and approve a change (e.g. approving their own proposal). The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  break_glass_denied: { status: 403, meaning: 'Policy does not allow this elevation; `details.decision` gives the rules and reasons. The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  delegation_refused: { status: 403, meaning: 'A token may be issued only for its caller’s own principal or a service account that person owns, with roles the principal holds and permissions within the caller’s own, never during a break-glass elevation; `details` says which rule. Identity changes are refused under elevation too. Recorded like every refusal: `details.ledgerIndex`, or `details.suppressed: true` past the refusal limit.' },
  token_not_found: { status: 404, meaning: 'No token has this id.' },
  principal_not_found: { status: 404, meaning: 'No principal has this id (principals are proposed by one person and approved by another; see `cairn principal`).' },
  principal_exists: { status: 409, meaning: 'A principal with this id (compared case-folded, NFC) exists or is proposed already.' },
  proposal_not_found: { status: 404, meaning: 'No policy proposal has this id.' },
  policy_not_active: { status: 404, meaning: 'No policy pack is active yet.' },
  invalid_state: { status: 409, meaning: 'The object is not in a state that allows this transition; `details` gives the current state and the allowed next ones.' },
  policy_conflict: { status: 409, meaning: 'The proposal was made against a policy version that is no longer active; propose again against the current one.' },
  dataset_not_found: { status: 404, meaning: 'No dataset version has this digest.' },
  run_not_found: { status: 404, meaning: 'No training run has this id.' },
  trace_subject_not_found: { status: 404, meaning: 'Nothing is recorded under this kind and id, so there is no lineage to trace.' },
  lineage_node_not_found: { status: 404, meaning: 'No OpenLineage job or dataset has this `nodeId` (`dataset:<namespace>:<name>` or `job:<namespace>:<name>`).' },
  dataset_exists: { status: 409, meaning: 'A dataset version with this manifest digest is already registered (`details.dataset`).' },
  manifest_invalid: { status: 422, meaning: 'The manifest has duplicate paths, malformed SHA-256 digests, negative or non-integer sizes, or no objects; streamed (NDJSON), also an object out of path order, a line that is not JSON or not UTF-8, or too long. `details.issues` names every offending line (a streamed manifest: the first). Nothing was stored.' },
  unknown_data_class: { status: 422, meaning: 'A data class is not declared in the active policy pack.' },
  unknown_dataset: { status: 422, meaning: 'A derivation names an input dataset version that is not registered.' },
  certification_failed: { status: 422, meaning: 'The dataset fails the certification policy; `details.decision` lists every failed rule. The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  run_inputs_refused: { status: 422, meaning: 'A run names unknown or uncertified datasets and the policy does not allow it, or its inputs’ data classes may not be processed in its zone (placement rules); `details.decision` says which. The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  lineage_event_invalid: { status: 422, meaning: 'The body is not one valid OpenLineage 2 event (RunEvent, DatasetEvent or JobEvent, facets included); `details` lists each problem as `{ path, message }` with a JSON Pointer into the event. Nothing was stored.' },
  model_not_found: { status: 404, meaning: 'No model has this name.' },
  model_version_not_found: { status: 404, meaning: 'No model version has this id.' },
  waiver_not_found: { status: 404, meaning: 'No waiver has this id.' },
  model_exists: { status: 409, meaning: 'A model with this name, or a version with this number, is already registered.' },
  evidence_set_mismatch: { status: 409, meaning: 'The approval names an evidence set that is not the version’s current one (evidence changed since it was reviewed): review again.' },
  approval_not_required: { status: 409, meaning: 'The version’s risk tier needs no (further) approval from this role.' },
  unknown_risk_tier: { status: 422, meaning: 'The risk tier is not in the active policy pack, or the use case belongs to another tier.' },
  validation_failed: { status: 422, meaning: 'The version does not meet its risk tier’s evidence requirements; `details.decision` lists every failed rule. The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  deployment_not_found: { status: 404, meaning: 'No deployment has this id.' },
  already_deployed: { status: 409, meaning: 'This version is already the active deployment of its model in that zone and environment (`details.deployment`).' },
  nothing_to_roll_back: { status: 409, meaning: 'The model has no active deployment in that zone and environment, or the active one has no earlier version to return to; `details` gives its state and the allowed next ones.' },
  unknown_zone: { status: 422, meaning: 'The zone is not declared in the active policy pack (`details.known` lists those that are).' },
  deployment_refused: { status: 422, meaning: 'Policy does not allow this version in that zone (state, approved zones and use case, approval expiry, placement of its training data classes); `details.decision` lists every rule. The refusal is recorded: `details.ledgerIndex` is its entry, or `details.suppressed: true` once this principal has had many such refusals lately (they are then counted in one `refusals.suppressed` entry; see docs/operations.md).' },
  export_not_found: { status: 404, meaning: 'No export has this id.' },
  nothing_in_scope: { status: 404, meaning: 'No ledger entry below the package’s checkpoint is in this scope (an unknown subject, an empty time range, or a checkpoint older than the scope); nothing was recorded.' },
  policy_invalid: { status: 422, meaning: 'The policy pack does not validate; `details.issues` lists each problem with file, line, column and path.' },
  route_not_found: { status: 404, meaning: 'No such route.' },
  entry_not_found: { status: 404, meaning: 'No ledger entry has this index.' },
  kind_reserved: { status: 422, meaning: 'Applications may append only `custom.*` kinds; other kinds are written by Cairn’s own modules.' },
  number_not_exact: { status: 422, meaning: 'A number in the body cannot be stored exactly (I-JSON, RFC 7493 §2.2): beyond the precision or range of an IEEE 754 double (`9223372036854775808`, `1e-400`, `1e400`), or `-0`. Canonical JSON would store another value, so nothing was written; `details.numbers` lists them. Send such values as strings.' },
  entry_invalid: { status: 422, meaning: 'The entry cannot be canonicalised (RFC 8785): e.g. a string with a lone surrogate.' },
  index_out_of_range: { status: 422, meaning: 'The index is not below the tree size asked for.' },
  tree_size_not_signed: { status: 422, meaning: 'No signed checkpoint has this tree size; proofs are only served against signed sizes.' },
  invalid_range: { status: 422, meaning: 'The range is reversed: a consistency proof with from > to, or an export whose from is not before its to.' },
  log_empty: { status: 404, meaning: 'The log has no entries yet, so there is nothing to prove.' },
  store_inconsistent: { status: 500, meaning: 'The store contradicts itself (a missing row or node); run `cairn log verify`.' },
  unavailable: { status: 503, meaning: "A dependency cannot be reached (the store — PostgreSQL restarting, failing over or refusing connections, the embedded file locked by another process — or the identity provider's key set with no usable cached keys). Retry after the seconds in `Retry-After`. Nothing was written, except after a connection lost during COMMIT, which the message says: the entries may then be in the log, and a retry may append them twice." },
  store_full: { status: 507, meaning: 'The store has no space left (disk full); nothing was written. Reads still work; writes resume once an operator frees space.' },
  access_not_recorded: { status: 503, meaning: 'The read is one the policy pack audits, and its access record could not be written, so nothing was served (fail closed). Retry later.' },
  internal: { status: 500, meaning: 'An unexpected server error; nothing was written. The server log has the details.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ApiErrorCode = keyof typeof ERROR_CATALOG;

/** Base of Cairn's domain errors: a stable code from the catalogue, a message, optional details. */
export class CairnError extends Error {
  readonly code: ApiErrorCode;
  readonly details: unknown;

  constructor(code: ApiErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}
