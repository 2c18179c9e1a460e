export { CairnClient } from './client.js';
export type { ClientOptions, EntryInput, AppendedEntry, VerifiedCheckpoint, VerifiedEntry, VerifiedInclusion } from './client.js';
export { CairnApiError, CairnConnectionError, CairnVerificationError } from './errors.js';
export type { VerificationCode } from './errors.js';
export { FileTrustStore, MemoryTrustStore, defaultConfigDir } from './trust-store.js';
export type { TrustStore, TrustedLog } from './trust-store.js';
