import { VerifyError } from './error.js';
import type { TarCheck } from './tar-read.js';

/**
 * Which check of a compliance package failed (docs/exports.md, "What a verifier checks"). Stable:
 * callers and tests branch on it; the message is for humans.
 */
export type PackageCheck =
  | TarCheck // the archive itself (tar-read.ts)
  | 'layout' // a member the format does not have, or a required one missing
  | 'key' // keys/log.vkey, keys/log.pem, or the key given with --key
  | 'checkpoint' // the signed checkpoint
  | 'manifest-signature' // manifest.sig
  | 'manifest' // manifest.json's content
  | 'listing' // a member missing from manifest.json, or listed but absent
  | 'digest' // a member's SHA-256 or size differs from manifest.json
  | 'sha256sums' // sha256sums differs from manifest.json
  | 'entry' // an entries/N.json without its proof (or the converse), or not a ledger entry
  | 'proof' // a malformed entries/N.tlog-proof
  | 'inclusion' // an entry's proof does not lead to the checkpoint's root hash
  | 'evidence' // an evidence file not named by its SHA-256
  | 'commitment' // an evidence file no entry commits to
  | 'dsse' // a lineage bundle that is not a DSSE envelope signed by the log key
  | 'newer-checkpoint' // the newer checkpoint given to prove consistency
  | 'consistency'; // the consistency proof to the newer checkpoint

/** The first failed check: the member it concerns (or `(archive)`), the check, and why. */
export interface PackageFailure {
  readonly file: string;
  readonly check: PackageCheck;
  readonly message: string;
}

/** What one of the three export scopes selected (manifest.json's `scope`). */
export type PackageScope =
  | { readonly kind: 'model'; readonly model: string; readonly version: string }
  | { readonly kind: 'time'; readonly from: string; readonly to: string }
  | { readonly kind: 'subject'; readonly subject: string };

/** What a verified package proves. */
export interface PackageSummary {
  readonly format: 'cairn-export/v1';
  readonly scope: PackageScope;
  /** The signed checkpoint every entry is proven into. */
  readonly checkpoint: {
    readonly origin: string;
    readonly treeSize: number;
    /** Standard base64, as in the checkpoint. */
    readonly rootHash: string;
  };
  /** The log key that signed the checkpoint, the manifest and the lineage bundles. */
  readonly key: {
    readonly vkey: string;
    /** Lowercase hex SHA-256 of the key's SubjectPublicKeyInfo DER (`openssl pkey -pubin -outform DER | sha256sum`). */
    readonly fingerprint: string;
    /** True if the examiner supplied the key (`--key`); false if it was only taken from the package. */
    readonly pinned: boolean;
  };
  readonly entries: {
    readonly count: number;
    /** Lowest and highest ledger index; null without entries. */
    readonly firstIndex: number | null;
    readonly lastIndex: number | null;
    /** Earliest and latest `time` of the entries (RFC 3339); null without entries. */
    readonly firstTime: string | null;
    readonly lastTime: string | null;
  };
  readonly evidence: {
    /** Files under evidence/, DSSE envelopes included. */
    readonly files: number;
    /** `*.dsse.json` lineage bundles, each signed by the log key. */
    readonly dsseBundles: number;
  };
  /** Members of the archive. */
  readonly files: number;
  /** Size of the archive in bytes. */
  readonly bytes: number;
  /** Present when a newer checkpoint was given: it is signed by the same key and extends the package's. */
  readonly newerCheckpoint?: {
    readonly treeSize: number;
    readonly rootHash: string;
  };
}

/**
 * The outcome of verifyPackage. A failure carries the package's summary only when the package
 * itself verified and the failure is in the newer checkpoint or the consistency proof.
 */
export type PackageResult =
  | { readonly ok: true; readonly summary: PackageSummary }
  | { readonly ok: false; readonly failure: PackageFailure; readonly summary?: PackageSummary };

/** Thrown inside the verifier to stop at the first failed check; never escapes verifyPackage. */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
  readonly failure: PackageFailure;

  constructor(file: string, check: PackageCheck, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${check}: ${message}`, options);
    this.failure = { file, check, message };
  }
}

/** Runs `fn`; a VerifyError from the reused parsers and verifiers becomes a failed `check` of `file`. */
export function checked<T>(file: string, check: PackageCheck, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    if (err instanceof VerifyError) throw new CheckFailed(file, check, err.message, { cause: err });
    throw err;
  }
}
