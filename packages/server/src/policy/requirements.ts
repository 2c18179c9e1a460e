import type { DataClassRequirement, Zone } from './pack.js';

interface Requirement {
  /** What the class needs, as a noun: "audit logging". */
  readonly needs: string;
  /** The zone provides it: "writes an audit log". */
  readonly has: string;
  /** The zone does not: "has no audit logging". */
  readonly lacks: string;
  readonly met: (zone: Zone) => boolean;
}

/**
 * Each data-class requirement and the zone fact that satisfies it, in the order decisions list
 * them. The evaluator and the pack's own consistency check (cross-references.ts) both read this.
 */
export const REQUIREMENTS: Readonly<Record<DataClassRequirement, Requirement>> = {
  private_ingress: {
    needs: 'private ingress',
    has: 'has private ingress',
    lacks: 'has public ingress',
    met: (zone) => zone.ingress === 'private',
  },
  audit_logging: {
    needs: 'audit logging',
    has: 'writes an audit log',
    lacks: 'has no audit logging',
    met: (zone) => zone.controls.audit_logging,
  },
  redacted_logs: {
    needs: 'redacted logs',
    has: 'redacts its logs',
    lacks: 'does not redact its logs',
    met: (zone) => zone.controls.redacted_logs,
  },
  network_segmentation: {
    needs: 'network segmentation',
    has: 'is network-segmented',
    lacks: 'is not network-segmented',
    met: (zone) => zone.controls.network_segmentation,
  },
  encrypted_volumes: {
    needs: 'storage encrypted at rest',
    has: 'encrypts storage at rest',
    lacks: 'does not encrypt storage at rest',
    met: (zone) => zone.controls.encrypted_volumes,
  },
  no_external_llm_calls: {
    needs: 'no calls to external LLMs',
    has: 'cannot reach external LLMs',
    lacks: 'allows calls to external LLMs',
    met: (zone) => !zone.controls.external_llm_calls,
  },
};

export const REQUIREMENT_ORDER = Object.keys(REQUIREMENTS) as DataClassRequirement[];
