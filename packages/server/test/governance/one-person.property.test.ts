import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Role } from '../../src/auth/permissions.js';
import { hashToken, newTokenSecret } from '../../src/auth/token-rows.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { validatedHighTierVersion } from '../helpers/versions.js';

after(cleanupStores);

const REVIEWERS = ['reviewer:business', 'reviewer:security', 'reviewer:model-risk', 'reviewer:compliance'] as const;
const ANY_ROLE = [...REVIEWERS, 'operator', 'admin', 'engineer'] as const;
const roleSet = (from: readonly Role[]) => fc.uniqueArray(fc.constantFrom(...from), { minLength: 1, maxLength: from.length });

/**
 * One person, many identities: alex holds a user principal and up to three service accounts
 * acting for alex, each with any roles (as an organisation might legitimately grant them); up to
 * three other people hold reviewer roles. Alex authors a high-tier version (three approvals:
 * business, model-risk, compliance) and then every
 * identity of every person tries, in a random order, to approve in every role it holds, alex
 * re-submitting in between; then every operator identity tries to deploy it. Whatever happens,
 * a version is approved or deployed only if the tier's approvals came from distinct persons,
 * none of them alex — so with nobody but alex, never.
 */
for (const storeCase of storeCases) {
  describe(`one person cannot ship alone on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ops: string;
    let steward: string;
    let run = 0;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      ops = await s.opsToken();
      steward = await s.token(['steward'], 'sam');
    });
    after(async () => s.close());

    const enrol = async (id: string, type: 'user', roles: readonly Role[]) => {
      const secret = newTokenSecret();
      const proposed = await s.request('POST', '/api/v1/principals', { body: { id, type, roles, credentialSha256: Buffer.from(hashToken(secret)).toString('hex'), reason: 'property test' } });
      assert.equal(proposed.status, 201, proposed.text);
      assert.equal((await s.request('POST', `/api/v1/principals/${id}/approve`, { token: ops, body: { reason: 'property test' } })).status, 200);
      return secret;
    };

    it('no sequence of calls approves or deploys without the distinct persons the tier requires', async () => {
      const scenario = fc.record({
        alexUser: roleSet([...ANY_ROLE]),
        alexServices: fc.array(roleSet([...ANY_ROLE]), { maxLength: 3 }),
        others: fc.array(roleSet([...REVIEWERS, 'operator']), { maxLength: 3 }),
        order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        resubmitAt: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      });
      let shipped = 0;
      const seq = Array.from({ length: 40 }, (_, k) => k);
      const never = Array.from({ length: 40 }, () => false);
      await fc.assert(
        fc.asyncProperty(scenario, async (sc) => {
          run += 1;
          const alex = `alex-${run}`;
          const identities: { person: string; token: string; roles: readonly Role[] }[] = [];
          const alexRoles = [...new Set<Role>(['engineer', ...sc.alexUser])];
          identities.push({ person: alex, token: await enrol(alex, 'user', alexRoles), roles: alexRoles });
          for (const [i, roles] of sc.alexServices.entries()) {
            // The organisation gives alex bots with any roles; alex mints their tokens, within his own permissions where he can.
            const bot = `${alex}-bot${i}`;
            assert.equal((await s.request('POST', '/api/v1/principals', { body: { id: bot, type: 'service', roles, owner: alex, reason: 'property test' } })).status, 201);
            assert.equal((await s.request('POST', `/api/v1/principals/${bot}/approve`, { token: ops, body: { reason: 'property test' } })).status, 200);
            const minted = await s.request('POST', '/api/v1/tokens', { token: identities[0]!.token, body: { principal: bot, roles, ttl: 3600 } });
            if (minted.status === 201) identities.push({ person: alex, token: minted.body.token, roles });
            else assert.equal(minted.body.error.code, 'delegation_refused');
          }
          for (const [i, roles] of sc.others.entries()) identities.push({ person: `other-${run}-${i}`, token: await enrol(`other-${run}-${i}`, 'user', roles), roles });

          const v = await validatedHighTierVersion(s, identities[0]!.token, steward, `m-${run}`);
          const submit = (token: string) => s.request('POST', `/api/v1/model-versions/${v.id}/submit`, { token, body: { useCases: ['triage'], zones: ['hipaa-ai'] } });
          assert.equal((await submit(identities[0]!.token)).status, 200);

          const attempts = identities.flatMap((id) => id.roles.filter((r): r is (typeof REVIEWERS)[number] => (REVIEWERS as readonly string[]).includes(r)).map((role) => ({ ...id, role })));
          const alexIds = identities.filter((i) => i.person === alex);
          for (let k = 0; k < attempts.length * 2 && k < sc.order.length; k += 1) {
            const a = attempts[sc.order[k]! % attempts.length]!;
            await s.request('POST', `/api/v1/model-versions/${v.id}/approvals`, { token: a.token, body: { role: a.role, evidenceSet: v.evidenceSet, reason: 'looks fine' } });
            if (sc.resubmitAt[k]) await submit(alexIds[sc.order[k]! % alexIds.length]!.token);
          }
          for (const op of identities.filter((i) => i.roles.includes('operator'))) {
            await s.request('POST', '/api/v1/deployments', { token: op.token, body: { versionId: v.id, zone: 'hipaa-ai', environment: 'prod', reason: 'CHG-1' } });
          }

          const dossier = (await s.request('GET', `/api/v1/model-versions/${v.id}`)).body;
          const approvers: string[] = dossier.approvals.filter((a: { valid: boolean }) => a.valid).map((a: { approver: string }) => a.approver);
          const allApprovers: string[] = dossier.approvals.map((a: { approver: string }) => a.approver);
          assert.ok(!allApprovers.includes(alex), `alex approved through one of his identities: ${allApprovers.join(', ')}`);
          assert.equal(new Set(approvers).size, approvers.length, 'one approval per person');
          if (dossier.state === 'approved' || dossier.state === 'deployed') {
            assert.ok(approvers.length >= 3, `${dossier.state} with approvals from ${approvers.join(', ')}`);
            assert.ok(sc.others.length >= 3);
          }
          if (sc.others.length === 0) assert.ok(!['approved', 'deployed'].includes(dossier.state), 'alex alone shipped a model');
          if (dossier.state === 'deployed') shipped += 1;
        }),
        {
          numRuns: storeCase.name === 'sqlite' ? 10 : 4,
          examples: [
            // Three real reviewers and an operator: the property is not vacuous, this one ships.
            [{ alexUser: ['operator'], alexServices: [], others: [['reviewer:business'], ['reviewer:model-risk'], ['reviewer:compliance']], order: seq, resubmitAt: never }],
            // Alex holds every role, with two bots holding every role too: nothing ships.
            [{ alexUser: [...ANY_ROLE], alexServices: [[...ANY_ROLE], [...ANY_ROLE]], others: [], order: seq, resubmitAt: never }],
          ],
        },
      );
      assert.ok(shipped >= 1, 'with three distinct reviewers a version ships');
    });
  });
}
