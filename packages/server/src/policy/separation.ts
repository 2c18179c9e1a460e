import { allow, decision, deny, type Decision, type RuleResult } from './decision.js';

/** A part some persons played in the thing being decided: they authored it, trained it, proposed it… */
export interface Participation {
  /** The rule's name: `separation_of_duties.<part>`. */
  readonly part: string;
  /** Persons (auth/person.ts), never principal ids: one person's many principals are one. */
  readonly persons: readonly string[];
  /** What they did, to finish "erin … and cannot approve it": `authored this version`. */
  readonly did: string;
}

/**
 * Separation of duties as a pure decision: the acting person must have played none of the parts.
 * The rule to hold is that no single person — whatever principals, roles, tokens or elevations
 * they control — both makes and approves a change; so every comparison is between persons.
 *
 * @example
 * evaluateSeparation('model_version.approve', 'approve it', 'erin', [{ part: 'author', persons: ['erin'], did: 'authored this version' }], policy.hash)
 * // → denied: "erin authored this version and cannot approve it"
 */
export function evaluateSeparation(question: string, action: string, person: string, parts: readonly Participation[], policy: string): Decision {
  const rules: RuleResult[] = parts.map((p) => {
    const rule = `separation_of_duties.${p.part}`;
    return p.persons.includes(person) ? deny(rule, `${person} ${p.did} and cannot ${action}`) : allow(rule, `${person} is not among those who ${p.did}`);
  });
  return decision(question, rules, [], policy);
}
