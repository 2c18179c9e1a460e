/** Exit codes of `cairn`, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** Verification failed: a proof, a signature, a fork, a tampered store. */
  verificationFailed: 1,
  /** Bad usage: unknown option, malformed argument. */
  usage: 2,
  /** The server or store could not be reached. */
  unreachable: 3,
  /** The server refused the request (4xx/5xx); the error code is printed. */
  refused: 4,
  /** Unexpected failure (a bug): please report it. */
  internal: 70,
} as const;

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
