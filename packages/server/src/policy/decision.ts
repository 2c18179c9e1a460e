/** One rule the evaluator applied, and what it concluded. */
export interface RuleResult {
  /** A stable id: `data_class.allowed_zones`, `data_class.requires.audit_logging`, `zone.workload.signed_images`… */
  readonly rule: string;
  readonly effect: 'allow' | 'deny';
  /** In plain words: "ePHI may only be placed in hipaa-ai; standard-ai is not among its allowed zones". */
  readonly reason: string;
}

/**
 * The answer to one policy question. Immutable; it names the policy hash it was made under so that
 * a ledger entry recording it can be re-checked against that exact pack.
 */
export interface Decision {
  readonly kind: 'decision';
  /** What was asked: `placement`, `break_glass`. */
  readonly question: string;
  readonly allowed: boolean;
  /** Every rule that fired, allow and deny, in the order they were applied. */
  readonly rules: readonly RuleResult[];
  /** All deny reasons when denied; otherwise the allow reasons. */
  readonly reasons: readonly string[];
  /** What must still hold at run time when allowed ("run only signed images"); empty when denied. */
  readonly obligations: readonly string[];
  /** The hash of the policy pack that decided. */
  readonly policy: string;
}

export const allow = (rule: string, reason: string): RuleResult => Object.freeze({ rule, effect: 'allow', reason });
export const deny = (rule: string, reason: string): RuleResult => Object.freeze({ rule, effect: 'deny', reason });

/**
 * Builds a decision. It fails closed: allowed only if at least one rule allowed and none denied.
 *
 * @example
 * decision('placement', [allow('data_class.allowed_zones', 'public data may be placed in standard-ai')], [], policy.hash)
 */
export function decision(question: string, rules: readonly RuleResult[], obligations: readonly string[], policy: string): Decision {
  const denials = rules.filter((r) => r.effect === 'deny');
  const allowed = denials.length === 0 && rules.some((r) => r.effect === 'allow');
  const reasons = allowed ? rules.map((r) => r.reason) : denials.length > 0 ? denials.map((r) => r.reason) : ['no rule allowed it'];
  return Object.freeze({
    kind: 'decision',
    question,
    allowed,
    rules: Object.freeze([...rules]),
    reasons: Object.freeze(reasons),
    obligations: Object.freeze(allowed ? [...new Set(obligations)] : []),
    policy,
  });
}
