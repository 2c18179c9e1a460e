import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateBreakGlass, loadPolicy } from '../../src/policy/index.js';
import { edit, examplePolicy, MINI } from './fixtures.js';

const ask = (roles: string[], assume: string[], minutes: number) => evaluateBreakGlass(examplePolicy(), { roles, assume, minutes });

describe('break-glass', () => {
  it('lets an operator assume admin for up to 60 minutes', () => {
    const decision = ask(['operator'], ['admin'], 60);
    assert.equal(decision.allowed, true);
    assert.equal(decision.question, 'break_glass');
    assert.deepEqual(decision.reasons, ['60 minutes is within the 60-minute limit', 'operator may assume admin (break-glass grant 1)']);
    assert.ok(decision.obligations.includes('the elevation ends after 60 minutes'));
    assert.equal(decision.policy, examplePolicy().hash);
  });

  it('refuses more minutes than the pack allows', () => {
    const decision = ask(['operator'], ['admin'], 61);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.reasons, ['break-glass lasts at most 60 minutes; 61 were requested']);
    const mini = loadPolicy(MINI);
    assert.equal(evaluateBreakGlass(mini, { roles: ['operator'], assume: ['admin'], minutes: 31 }).allowed, false, 'mini allows 30');
    for (const minutes of [0, -5, 1.5, Number.NaN]) assert.equal(ask(['operator'], ['admin'], minutes).allowed, false, String(minutes));
  });

  it('refuses a requester with no eligible role', () => {
    const decision = ask(['engineer', 'auditor'], ['admin'], 10);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.reasons, ["none of the requester's roles (engineer and auditor) may use break-glass; eligible roles: operator and admin"]);
    assert.equal(ask([], ['admin'], 10).allowed, false);
  });

  it('refuses a role the grant does not cover', () => {
    const decision = ask(['operator'], ['reviewer:compliance'], 10);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.reasons, ['no break-glass grant lets operator assume reviewer:compliance']);
  });

  it('requires one grant to cover every requested role', () => {
    // admin → operator and operator → admin are separate grants: holding both roles does not let one assume both.
    const decision = ask(['operator', 'admin'], ['admin', 'operator'], 10);
    assert.equal(decision.allowed, false);
    assert.ok(decision.reasons.some((r) => r.includes('already holds')));
    const both = evaluateBreakGlass(loadPolicy(edit(MINI, 'may_assume: [admin]', 'may_assume: [admin, steward]')), { roles: ['operator'], assume: ['admin', 'steward'], minutes: 5 });
    assert.equal(both.allowed, true);
    const split = evaluateBreakGlass(
      loadPolicy(edit(MINI, '    - eligible_roles: [operator]\n      may_assume: [admin]\n', '    - eligible_roles: [operator]\n      may_assume: [admin]\n    - eligible_roles: [operator]\n      may_assume: [steward]\n')),
      { roles: ['operator'], assume: ['admin', 'steward'], minutes: 5 },
    );
    assert.equal(split.allowed, false);
    assert.deepEqual(split.reasons, ['no single break-glass grant lets operator assume admin and steward together; request them separately']);
  });

  it('refuses an unknown role, an empty request, a role already held, and a pack without grants', () => {
    assert.deepEqual(denied(ask(['operator'], ['root'], 10)), ['break_glass.role_known']);
    assert.deepEqual(denied(ask(['operator'], [], 10)), ['break_glass.assume']);
    assert.deepEqual(denied(ask(['operator', 'admin'], ['admin'], 10)), ['break_glass.already_held']);
    const none = loadPolicy(edit(MINI, '  grants:\n    - eligible_roles: [operator]\n      may_assume: [admin]\n', '  grants: []\n'));
    assert.deepEqual(evaluateBreakGlass(none, { roles: ['operator'], assume: ['admin'], minutes: 5 }).reasons, ['policy mini grants no break-glass']);
  });
});

function denied(decision: ReturnType<typeof ask>): string[] {
  return decision.rules.filter((r) => r.effect === 'deny').map((r) => r.rule);
}
