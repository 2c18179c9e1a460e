/** One problem found in a policy file, where a reviewer's editor can jump to it. */
export interface PolicyIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** RFC 6901 JSON Pointer into the pack, e.g. `/data_classes/ephi/allowed_zones/0`; `''` is the whole pack. */
  readonly path: string;
  readonly message: string;
}

/** `example-pack.yaml:12:5: /zones/pci-ai/ingress: must be one of: private, public` */
export function formatIssue(issue: PolicyIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/**
 * A policy file that cannot become a pack. It carries every issue found, not only the first:
 * a reviewer fixes a pack in one pass.
 *
 * @example
 * try { loadPolicy(text, 'pack.yaml') } catch (err) {
 *   if (err instanceof PolicyError) for (const issue of err.issues) console.error(formatIssue(issue));
 * }
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly code = 'policy_invalid' as const;
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    super(first ? `${formatIssue(first)}${more}` : 'the policy is invalid', options);
    this.issues = Object.freeze([...issues]);
  }
}
