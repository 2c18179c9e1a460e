/**
 * Stable codes for every way verification can fail. Callers branch on the
 * code; the message is for humans and may change.
 */
export type VerifyErrorCode =
  | 'invalid_json_value'
  | 'invalid_argument'
  | 'invalid_hash'
  | 'inclusion_proof_invalid'
  | 'consistency_proof_invalid'
  | 'malformed_note'
  | 'malformed_verifier_key'
  | 'unsupported_key_type'
  | 'signature_invalid'
  | 'malformed_checkpoint'
  | 'origin_mismatch'
  | 'malformed_envelope';

/**
 * The only error this package throws on bad input. Proofs, sizes, notes and
 * keys come from whoever serves the log, so every malformed value is turned
 * into a `VerifyError` rather than escaping as a TypeError or RangeError.
 *
 * @example
 * try {
 *   verifyInclusion(index, size, leaf, proof, root);
 * } catch (err) {
 *   if (err instanceof VerifyError && err.code === 'inclusion_proof_invalid') reject();
 *   else throw err;
 * }
 */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly code: VerifyErrorCode;

  constructor(code: VerifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
