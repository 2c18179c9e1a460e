import { isRole, ROLES } from '../auth/permissions.js';
import { allow, decision, deny, type Decision, type RuleResult } from './decision.js';
import type { LoadedPolicy } from './load.js';
import { BREAK_GLASS_CEILING_MINUTES, type BreakGlassGrant } from './pack.js';
import { both } from './words.js';

export interface BreakGlassInput {
  /** The requester's current roles. */
  readonly roles: readonly string[];
  /** The roles they ask to assume. */
  readonly assume: readonly string[];
  readonly minutes: number;
}

/**
 * May this requester assume these roles for this long? Allowed only if one single grant has an
 * eligible role the requester holds and lets them assume every requested role, and the duration
 * is within the pack's `max_minutes` (never above 60, whatever the pack says).
 *
 * @example
 * evaluateBreakGlass(policy, { roles: ['operator'], assume: ['admin'], minutes: 30 }).allowed // true
 */
export function evaluateBreakGlass(policy: LoadedPolicy, input: BreakGlassInput): Decision {
  const rules = [durationRule(Math.min(policy.pack.break_glass.max_minutes, BREAK_GLASS_CEILING_MINUTES), input.minutes)];
  const assume = [...new Set(input.assume)];
  const unknown = assume.filter((role) => !isRole(role));
  const known = assume.filter((role) => isRole(role));

  if (assume.length === 0) rules.push(deny('break_glass.assume', 'a break-glass request must name at least one role to assume'));
  for (const role of unknown) rules.push(deny('break_glass.role_known', `${role} is not a role (roles: ${both(ROLES)})`));
  for (const role of known.filter((r) => input.roles.includes(r))) {
    rules.push(deny('break_glass.already_held', `the requester already holds ${role}; break-glass is only for roles one does not hold`));
  }
  if (known.length > 0) rules.push(grantRule(policy, input.roles, known));

  const obligations = [
    `the elevation ends after ${input.minutes} minutes`,
    'record the reason for the elevation',
    'every action taken under it is recorded in the ledger as break-glass',
  ];
  return decision('break_glass', rules, obligations, policy.hash);
}

function durationRule(limit: number, minutes: number): RuleResult {
  if (!Number.isInteger(minutes) || minutes < 1) {
    return deny('break_glass.minutes', `an elevation lasts a whole number of minutes, at least 1; ${minutes} was requested`);
  }
  return minutes > limit
    ? deny('break_glass.max_minutes', `break-glass lasts at most ${limit} minutes; ${minutes} were requested`)
    : allow('break_glass.max_minutes', `${minutes} minutes is within the ${limit}-minute limit`);
}

function grantRule(policy: LoadedPolicy, roles: readonly string[], assume: readonly string[]): RuleResult {
  const { pack } = policy;
  const grants = pack.break_glass.grants;
  if (grants.length === 0) return deny('break_glass.grant', `policy ${pack.name} grants no break-glass`);

  const held = (grant: BreakGlassGrant) => grant.eligible_roles.filter((role) => roles.includes(role));
  const usable = grants.filter((grant) => held(grant).length > 0);
  if (usable.length === 0) {
    const eligible = [...new Set(grants.flatMap((g) => g.eligible_roles))];
    const mine = roles.length > 0 ? both(roles) : 'none';
    return deny('break_glass.eligible', `none of the requester's roles (${mine}) may use break-glass; eligible roles: ${both(eligible)}`);
  }

  const grant = usable.find((g) => assume.every((role) => g.may_assume.includes(role)));
  if (grant) {
    return allow('break_glass.grant', `${both(held(grant))} may assume ${both(assume)} (break-glass grant ${grants.indexOf(grant) + 1})`);
  }
  const uncovered = assume.filter((role) => !usable.some((g) => g.may_assume.includes(role)));
  const holders = both([...new Set(usable.flatMap(held))]);
  return uncovered.length > 0
    ? deny('break_glass.grant', `no break-glass grant lets ${holders} assume ${both(uncovered)}`)
    : deny('break_glass.grant', `no single break-glass grant lets ${holders} assume ${both(assume)} together; request them separately`);
}
