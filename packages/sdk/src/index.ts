export { CairnClient } from './client.js';
export type { ClientOptions, EntryInput, AppendedEntry, VerifiedCheckpoint, VerifiedEntry, VerifiedInclusion } from './client.js';
export { IdentityApi } from './identity.js';
export { PolicyApi } from './policy.js';
export { CairnApiError, CairnConnectionError, CairnVerificationError } from './errors.js';
export type { VerificationCode } from './errors.js';
export { FileTrustStore, MemoryTrustStore, defaultConfigDir } from './trust-store.js';
export type { TrustStore, TrustedLog } from './trust-store.js';
export type { Alert, Decision, Elevation, PlacementResult, PolicyIssue, PolicyVersion, Role, TokenInfo, WhoAmI, Workload } from './types.js';
