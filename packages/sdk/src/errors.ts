/** The server answered with an error: its stable `code` (docs/errors.md), HTTP status and details. */
export class CairnApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'CairnApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export type VerificationCode =
  | 'signature_invalid'
  | 'proof_invalid'
  | 'leaf_mismatch'
  | 'fork_detected'
  | 'key_changed'
  | 'origin_mismatch'
  | 'response_invalid'
  | 'package_incomplete';

/** What the server returned does not verify: the client must not trust it. */
export class CairnVerificationError extends Error {
  readonly code: VerificationCode;

  constructor(code: VerificationCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CairnVerificationError';
    this.code = code;
  }
}

/** The server could not be reached (connection refused, DNS, timeout). */
export class CairnConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CairnConnectionError';
  }
}
