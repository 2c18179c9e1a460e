// Policy as code: a versioned YAML pack, validated by a published JSON Schema, and pure
// evaluators whose every decision names the hash of the pack that made it.

export { loadPolicy } from './load.js';
export type { LoadedPolicy } from './load.js';
export { PolicyError, formatIssue } from './issues.js';
export type { PolicyIssue } from './issues.js';
export { POLICY_PACK_SCHEMA, POLICY_PACK_SCHEMA_ID } from './schema.js';
export { examplePolicyPath } from './example.js';
export { BREAK_GLASS_CEILING_MINUTES, READ_KINDS } from './pack.js';
export type {
  PolicyPack,
  Zone,
  ZoneControls,
  WorkloadRequirements,
  ZoneAdmission,
  AllowedImage,
  DataClass,
  DataClassRequirements,
  RiskTier,
  EvidenceRequirement,
  ApprovalRequirement,
  MetricBounds,
  ArtifactRules,
  BreakGlassRules,
  BreakGlassGrant,
  TrainingRules,
  WaiverRules,
  TokenRules,
  AuditRules,
  ReadKind,
} from './pack.js';
export { dataClassesOf, zonesOf } from './names.js';

export { allow, decision, deny } from './decision.js';
export type { Decision, RuleResult } from './decision.js';
export { evaluatePlacement } from './placement.js';
export type { PlacementInput } from './placement.js';
export { evaluateBreakGlass } from './break-glass.js';
export type { BreakGlassInput } from './break-glass.js';
export { diffPolicies } from './diff.js';
export type { PolicyChange } from './diff.js';
export { evaluateSeparation } from './separation.js';
export type { Participation } from './separation.js';
