/**
 * The one catalogue of API error codes. Every error a client can see has a code here, with its
 * HTTP status and a one-line meaning; docs/errors.md lists the same codes (a test keeps the two in
 * step). Clients branch on `code`, never on `message`.
 */
export const ERROR_CATALOG = {
  invalid_json: { status: 400, meaning: 'The request body is not well-formed JSON.' },
  invalid_request: { status: 400, meaning: 'The request does not match the schema: a missing or unknown field, a wrong type, a value out of range. `details` lists each problem with its path.' },
  unsupported_media_type: { status: 415, meaning: 'The body is not `application/json`.' },
  payload_too_large: { status: 413, meaning: 'The body exceeds the server limit (`--body-limit`).' },
  unauthenticated: { status: 401, meaning: 'No bearer token, or a token the server does not know.' },
  token_expired: { status: 401, meaning: 'The bearer token has expired or was revoked.' },
  too_many_failed_authentications: { status: 429, meaning: 'Too many failed authentications from this source; retry after the time in `Retry-After`.' },
  forbidden: { status: 403, meaning: 'The token is valid but lacks the permission this route needs (`details.permission`).' },
  route_not_found: { status: 404, meaning: 'No such route.' },
  entry_not_found: { status: 404, meaning: 'No ledger entry has this index.' },
  kind_reserved: { status: 422, meaning: 'Applications may append only `custom.*` kinds; other kinds are written by Cairn’s own modules.' },
  entry_invalid: { status: 422, meaning: 'The entry cannot be canonicalised (RFC 8785): e.g. a string with a lone surrogate.' },
  index_out_of_range: { status: 422, meaning: 'The index is not below the tree size asked for.' },
  tree_size_not_signed: { status: 422, meaning: 'No signed checkpoint has this tree size; proofs are only served against signed sizes.' },
  invalid_range: { status: 422, meaning: 'The consistency range is not 0 ≤ from ≤ to.' },
  log_empty: { status: 404, meaning: 'The log has no entries yet, so there is nothing to prove.' },
  store_inconsistent: { status: 500, meaning: 'The store contradicts itself (a missing row or node); run `cairn log verify`.' },
  unavailable: { status: 503, meaning: 'The store cannot be reached; nothing was written. Retry later.' },
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
