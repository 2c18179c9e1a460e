// @cairn/verify: offline verification of Cairn's log. Zero runtime
// dependencies and no signing code, so an examiner can install it alone.

export { VerifyError } from './error.js';
export type { VerifyErrorCode } from './error.js';

export { canonicalize, canonicalBytes } from './canonical-json.js';
export { toHex, fromHex, toBase64, fromBase64, bytesEqual } from './encoding.js';

export { HASH_SIZE, leafHash, nodeHash, emptyRoot, rootFromLeafHashes } from './merkle.js';
export { inclusionProofShape, rootFromInclusionProof, verifyInclusion } from './inclusion-proof.js';
export { verifyConsistency } from './consistency-proof.js';
export { CompactRange } from './compact-range.js';

export { ED25519_KEY_TYPE, isValidKeyName, noteKeyId, parseVerifierKey, formatVerifierKey } from './verifier-key.js';
export type { NoteVerifier } from './verifier-key.js';
export { MAX_NOTE_SIGNATURES, parseNote, formatNote, verifyNote } from './note.js';
export type { Note, NoteSignature } from './note.js';

export { parseCheckpoint, formatCheckpoint, verifyCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';

export { manifestDigest, canonicalManifest } from './manifest.js';
export type { ManifestObject } from './manifest.js';
export { pae, verifyEnvelope } from './dsse.js';
export type { DsseEnvelope } from './dsse.js';
export { TAR_BLOCK, TAR_RECORD, TAR_MAX_SIZE, tarHeader, tarPadding, tarEnd } from './tar.js';

export { readTar, TarError } from './tar-read.js';
export type { TarCheck, TarMember, TarReadOptions } from './tar-read.js';
export { verifyPackage } from './package.js';
export type { VerifyPackageOptions } from './package.js';
export type { PackageCheck, PackageFailure, PackageResult, PackageScope, PackageSummary } from './package-result.js';
export { isResourceUri } from './resource-uri.js';
export { IN_TOTO_STATEMENT_V1, SLSA_PROVENANCE_V1, isTimestamp, resourceDescriptorIssues, statementIssues } from './in-toto-statement.js';
