import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../src/auth/principal.js';
import { rollback } from '../../src/deployments/index.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { digestOf } from '../helpers/lineage.js';
import { cleanupStores, storeCases, type StoreLocation } from '../helpers/stores.js';
import { entriesOfKind, inDays, seedModel, updateVersion } from './helpers.js';

after(cleanupStores);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const denied = (d: { rules: { rule: string; effect: string }[] }) => d.rules.filter((r) => r.effect === 'deny').map((r) => r.rule);

for (const storeCase of storeCases) {
  describe(`deployments on ${storeCase.name}`, () => {
    let location: StoreLocation;
    let s: RunningCairn;
    let operator: string;
    let auditor: string;
    let engineer: string;
    before(async () => {
      location = storeCase.fresh();
      s = await startCairn(location);
      operator = await s.token(['operator'], 'olga-operator');
      auditor = await s.token(['auditor'], 'audrey');
      engineer = await s.token(['engineer'], 'erin');
      await seedModel(s.cairn, {
        name: 'support-assistant',
        useCase: 'customer_service_assistant',
        riskTier: 'medium',
        versions: ['1', '2', '3'].map((n) => ({ id: `mv_sa${n}`, version: `${n}.0.0`, zones: ['standard-ai', 'regulated-ai-eu'] })),
      });
      await seedModel(s.cairn, {
        name: 'sepsis-watch',
        useCase: 'triage',
        versions: [
          // Approved for standard-ai by mistake: placement of its ePHI training data must still refuse it there.
          { id: 'mv_sw1', version: '1.0.0', dataClasses: ['ephi'], zones: ['hipaa-ai', 'standard-ai'] },
          { id: 'mv_sw_draft', version: '2.0.0-rc1', state: 'draft', dataClasses: ['ephi'], zones: null, useCases: null, approvalExpiresAt: null },
          { id: 'mv_sw_expired', version: '0.9.0', dataClasses: ['ephi'], zones: ['hipaa-ai'], approvalExpiresAt: inDays(-1) },
          { id: 'mv_sw_search', version: '0.8.0', dataClasses: ['ephi'], zones: ['hipaa-ai'], useCases: ['document_search'] },
        ],
      });
    });
    after(async () => s.close());

    const deployReq = (body: object, token = operator) => s.request('POST', '/api/v1/deployments', { token, body });
    const rollbackReq = (body: object, token = operator) => s.request('POST', '/api/v1/rollbacks', { token, body });
    const size = async () => {
      await s.cairn.ledger.flush();
      return s.cairn.ledger.size();
    };
    let first: Record<string, any>;
    let second: Record<string, any>;

    it('deploys an approved version, with the decision, and marks the version deployed', async () => {
      const res = await deployReq({ versionId: 'mv_sa1', zone: 'standard-ai', environment: 'prod', reason: 'CAB-1001 initial release' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      first = res.body.deployment;
      assert.match(first['id'], /^dep_/);
      const { id: _id, startedAt: _s, ledgerIndex: _l, ...rest } = first;
      assert.deepEqual(rest, {
        model: 'support-assistant',
        versionId: 'mv_sa1',
        version: '1.0.0',
        zone: 'standard-ai',
        environment: 'prod',
        previousVersionId: null,
        state: 'active',
        deployedBy: 'olga-operator',
        reason: 'CAB-1001 initial release',
        endedAt: null,
        rollbackOf: null,
      });
      assert.equal(res.body.decision.allowed, true);
      assert.equal(res.body.decision.question, 'deployment');
      const rules = res.body.decision.rules.map((r: { rule: string }) => r.rule);
      for (const r of ['version.state', 'version.zone_approved', 'version.use_case_approved', 'version.approval_current', 'data_class.allowed_zones']) assert.ok(rules.includes(r), r);

      const entry = await s.cairn.ledger.entry(first['ledgerIndex']);
      assert.equal(entry.entry.kind, 'deployment.created');
      assert.equal(entry.entry.subject, `deployment:${first['id']}`);
      assert.equal(entry.entry.actor.id, 'olga-operator');
      assert.deepEqual(entry.entry.body['decision'], res.body.decision);
      assert.equal(entry.entry.body['previousVersionId'], null);
      const version = await s.cairn.store.db.selectFrom('model_versions').select(['state', 'state_index']).where('id', '=', 'mv_sa1').executeTakeFirstOrThrow();
      assert.deepEqual({ state: version.state, index: Number(version.state_index) }, { state: 'deployed', index: first['ledgerIndex'] });

      const got = await s.request('GET', `/api/v1/deployments/${first['id']}`, { token: auditor });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, first);
    });

    it('extends lineage: artifact → model version → deployment', async () => {
      const res = await s.request('GET', `/api/v1/trace/artifact/${digestOf('mv_sa1')}`, { token: auditor });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const downstream = res.body.nodes.filter((n: { direction: string }) => n.direction === 'downstream').map((n: { key: string }) => n.key);
      assert.deepEqual(downstream, ['model-version:mv_sa1', `deployment:${first['id']}`]);
      assert.ok(res.body.edges.some((e: { from: string; to: string; relation: string; ledgerIndex: number }) => e.from === 'model-version:mv_sa1' && e.to === `deployment:${first['id']}` && e.relation === 'deployed_as' && e.ledgerIndex === first['ledgerIndex']));
    });

    it('refuses, and records the refusal of, a version whose training data may not enter the zone', async () => {
      const before = await size();
      const res = await deployReq({ versionId: 'mv_sw1', zone: 'standard-ai', environment: 'prod', reason: 'try it' });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'deployment_refused');
      const d = res.body.error.details.decision;
      assert.equal(d.allowed, false);
      assert.ok(denied(d).includes('data_class.allowed_zones'), 'an ePHI-trained model never lands in standard-ai');
      assert.ok(!denied(d).some((r: string) => r.startsWith('version.')), 'the approval itself covers standard-ai');
      assert.match(d.reasons.join(' '), /ePHI may only be placed in hipaa-ai/);
      assert.equal(await size(), before + 1);
      const [refusal] = (await entriesOfKind(s.cairn, 'deployment.refused')).slice(-1);
      assert.deepEqual(refusal!.entry.body, { action: 'deploy', model: 'sepsis-watch', zone: 'standard-ai', environment: 'prod', versionId: 'mv_sw1', reason: 'try it', decision: d });
      const ok = await deployReq({ versionId: 'mv_sw1', zone: 'hipaa-ai', environment: 'prod', reason: 'CAB-2001' });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    it('refuses versions not approved for the zone or use case, expired, or not approved at all — one rule each', async () => {
      const cases = [
        { versionId: 'mv_sa1', zone: 'regulated-ai-us', rule: 'version.zone_approved' },
        { versionId: 'mv_sw_search', zone: 'hipaa-ai', rule: 'version.use_case_approved' },
        { versionId: 'mv_sw_expired', zone: 'hipaa-ai', rule: 'version.approval_current' },
      ];
      for (const c of cases) {
        const before = await size();
        const res = await deployReq({ versionId: c.versionId, zone: c.zone, environment: 'staging', reason: 'check refusal' });
        assert.equal(res.status, 422, `${c.rule}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(denied(res.body.error.details.decision), [c.rule]);
        assert.equal(await size(), before + 1, 'the refusal is recorded');
      }
      const draft = await deployReq({ versionId: 'mv_sw_draft', zone: 'hipaa-ai', environment: 'staging', reason: 'too early' });
      assert.equal(draft.status, 422);
      assert.deepEqual(denied(draft.body.error.details.decision), ['version.state', 'version.zone_approved', 'version.use_case_approved', 'version.approval_current']);
    });

    it('answers bad input with a 4xx and writes nothing', async () => {
      const before = await size();
      const unknownZone = await deployReq({ versionId: 'mv_sa1', zone: 'mars-ai', environment: 'prod', reason: 'to mars' });
      assert.equal(unknownZone.status, 422);
      assert.equal(unknownZone.body.error.code, 'unknown_zone');
      assert.ok(unknownZone.body.error.details.known.includes('hipaa-ai'));
      const unknownVersion = await deployReq({ versionId: 'mv_nope', zone: 'standard-ai', environment: 'prod', reason: 'ghost' });
      assert.equal(unknownVersion.status, 404);
      assert.equal(unknownVersion.body.error.code, 'model_version_not_found');
      const again = await deployReq({ versionId: 'mv_sa1', zone: 'standard-ai', environment: 'prod', reason: 'twice' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'already_deployed');
      assert.equal(again.body.error.details.deployment, first['id']);
      for (const body of [
        { versionId: 'mv_sa1', zone: 'standard-ai', environment: 'prod' },
        { versionId: 'mv_sa1', zone: 'standard-ai', environment: 'Prod!', reason: 'bad env' },
        { versionId: 'mv_sa1', zone: 'standard-ai', environment: 'prod', reason: 'extra', force: true },
      ]) {
        const res = await deployReq(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'invalid_request');
      }
      const byEngineer = await deployReq({ versionId: 'mv_sa2', zone: 'standard-ai', environment: 'prod', reason: 'not mine to do' }, engineer);
      assert.equal(byEngineer.status, 403);
      assert.equal(byEngineer.body.error.details.permission, 'deploy:write');
      const unknownModel = await rollbackReq({ model: 'nope', zone: 'standard-ai', environment: 'prod', reason: 'undo' });
      assert.equal(unknownModel.status, 404);
      assert.equal(unknownModel.body.error.code, 'model_not_found');
      const nothing = await rollbackReq({ model: 'support-assistant', zone: 'standard-ai', environment: 'dev', reason: 'undo' });
      assert.equal(nothing.status, 409);
      assert.deepEqual(nothing.body.error, { code: 'nothing_to_roll_back', message: nothing.body.error.message, details: { deployment: null, state: null, allowed: [] } });
      const rollbackUnknownZone = await rollbackReq({ model: 'support-assistant', zone: 'mars-ai', environment: 'prod', reason: 'undo' });
      assert.equal(rollbackUnknownZone.body.error.code, 'unknown_zone');
      assert.equal((await s.request('GET', '/api/v1/deployments/dep_missing', { token: auditor })).body.error.code, 'deployment_not_found');
      assert.equal((await s.request('GET', '/api/v1/deployments/not-an-id', { token: auditor })).status, 400);
      for (const at of ['yesterday', '2026-13-45T99:99:99Z', '2026-02-30T00:00:00']) {
        const res = await s.request('GET', `/api/v1/deployments?zone=standard-ai&at=${encodeURIComponent(at)}`, { token: auditor });
        assert.equal(res.status, 400, at);
        assert.equal(res.body.error.code, 'invalid_request');
      }
      assert.equal(await size(), before, 'nothing was written');
    });

    it('supersedes the active deployment and names it as the rollback target; history answers for any past instant', async () => {
      await sleep(5);
      const res = await deployReq({ versionId: 'mv_sa2', zone: 'standard-ai', environment: 'prod', reason: 'CAB-1002' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      second = res.body.deployment;
      assert.equal(second['previousVersionId'], 'mv_sa1');
      const old = (await s.request('GET', `/api/v1/deployments/${first['id']}`, { token: auditor })).body;
      assert.equal(old.state, 'superseded');
      assert.equal(old.endedAt, second['startedAt']);
      assert.equal((await s.cairn.ledger.entry(second['ledgerIndex'])).entry.body['supersedes'], first['id']);

      const at = async (query: string) => {
        const r = await s.request('GET', `/api/v1/deployments?zone=standard-ai&model=support-assistant${query}`, { token: auditor });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.deployments.map((d: { versionId: string }) => d.versionId);
      };
      const t1 = new Date(Date.parse(first['startedAt']) - 1).toISOString();
      assert.deepEqual(await at(`&at=${t1}`), [], 'nothing before the first deployment');
      assert.deepEqual(await at(`&at=${first['startedAt']}`), ['mv_sa1'], 'active from its start');
      const between = new Date((Date.parse(first['startedAt']) + Date.parse(second['startedAt'])) / 2);
      assert.deepEqual(await at(`&at=${between.toISOString()}`), ['mv_sa1']);
      // The same instant written with an offset, and with more fraction digits than are stored.
      const offset = new Date(between.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00').replace(/(\.\d{3})/, '$1999');
      assert.deepEqual(await at(`&at=${encodeURIComponent(offset)}`), ['mv_sa1']);
      assert.deepEqual(await at(`&at=${second['startedAt']}`), ['mv_sa2'], 'ended_at is exclusive');
      assert.deepEqual(await at(''), ['mv_sa2'], 'now');
      assert.deepEqual(await at('&environment=staging'), []);
      const all = await s.request('GET', '/api/v1/deployments', { token: auditor });
      assert.deepEqual(all.body.deployments.map((d: { zone: string; versionId: string }) => `${d.zone}:${d.versionId}`), ['hipaa-ai:mv_sw1', 'standard-ai:mv_sa2']);
    });

    it('rolls back in one call to the previous version, and walks back through history on repeated rollbacks', async (t) => {
      await sleep(2);
      const third = await deployReq({ versionId: 'mv_sa3', zone: 'standard-ai', environment: 'prod', reason: 'CAB-1003' });
      assert.equal(third.status, 201);
      const before = await size();
      const slot = { model: 'support-assistant', zone: 'standard-ai', environment: 'prod', reason: 'INC-77: regression in answers' };
      const res = await rollbackReq(slot);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(await size(), before + 1, 'one entry');
      const restored = res.body.deployment;
      assert.equal(restored.versionId, 'mv_sa2');
      assert.equal(restored.rollbackOf, third.body.deployment.id);
      assert.equal(restored.previousVersionId, 'mv_sa1', "the restored deployment's own target");
      assert.equal(res.body.rolledBack.id, third.body.deployment.id);
      assert.equal(res.body.rolledBack.state, 'rolled_back');
      assert.equal(res.body.rolledBack.endedAt, restored.startedAt);
      assert.equal(res.body.decision.question, 'rollback');
      const entry = await s.cairn.ledger.entry(restored.ledgerIndex);
      assert.equal(entry.entry.kind, 'deployment.rolled_back');
      assert.deepEqual(entry.entry.body['rolledBack'], { id: third.body.deployment.id, versionId: 'mv_sa3' });

      // The bench hook: the exported function, timed from outside; no assertion on time.
      const principal: Principal = { id: 'bench', type: 'service', roles: ['operator'], auth: 'token' };
      const started = performance.now();
      const again = await rollback(s.cairn.deployments.context, principal, slot);
      t.diagnostic(`rollback on ${storeCase.name}: ${(performance.now() - started).toFixed(1)} ms`);
      const back = await s.cairn.deployments.get(again.id);
      assert.deepEqual([back.versionId, back.previousVersionId, back.rollbackOf], ['mv_sa1', null, restored.id]);

      const none = await rollbackReq(slot);
      assert.equal(none.status, 409);
      assert.equal(none.body.error.code, 'nothing_to_roll_back');
      assert.deepEqual(none.body.error.details, { deployment: again.id, state: 'active', allowed: ['superseded', 'retired'] });
    });

    it('refuses to roll back to a version that is suspended or whose approval expired, recording why', async () => {
      await seedModel(s.cairn, { name: 'fraud-triage', useCase: 'fraud_alert_prioritisation', riskTier: 'medium', versions: ['1', '2'].map((n) => ({ id: `mv_ft${n}`, version: `${n}.0`, dataClasses: ['personal_data'], zones: ['regulated-ai-eu'] })) });
      const where = { zone: 'regulated-ai-eu', environment: 'prod' };
      const slot = { model: 'fraud-triage', ...where };
      assert.equal((await deployReq({ versionId: 'mv_ft1', ...where, reason: 'go live' })).status, 201);
      const current = await deployReq({ versionId: 'mv_ft2', ...where, reason: 'upgrade' });
      assert.equal(current.status, 201);

      await updateVersion(s.cairn, 'mv_ft1', { state: 'suspended' });
      let before = await size();
      const suspended = await rollbackReq({ ...slot, reason: 'INC-9' });
      assert.equal(suspended.status, 422);
      assert.equal(suspended.body.error.code, 'deployment_refused');
      assert.deepEqual(denied(suspended.body.error.details.decision), ['version.state']);
      assert.equal(await size(), before + 1);
      const [refusal] = (await entriesOfKind(s.cairn, 'deployment.refused')).slice(-1);
      assert.equal(refusal!.entry.body['action'], 'rollback');
      assert.equal(refusal!.entry.body['rollbackOf'], current.body.deployment.id);

      await updateVersion(s.cairn, 'mv_ft1', { state: 'deployed', approval_expires_at: inDays(-2) });
      before = await size();
      const expired = await rollbackReq({ ...slot, reason: 'INC-9' });
      assert.equal(expired.status, 422);
      assert.deepEqual(denied(expired.body.error.details.decision), ['version.approval_current']);
      assert.equal(await size(), before + 1);
      const still = await s.request('GET', '/api/v1/deployments?zone=regulated-ai-eu&model=fraud-triage', { token: auditor });
      assert.deepEqual(still.body.deployments.map((d: { id: string }) => d.id), [current.body.deployment.id], 'the slot is unchanged');
    });

    it('retires an active deployment; a deployment that has ended cannot move again', async () => {
      const dep = await deployReq({ versionId: 'mv_sa1', zone: 'regulated-ai-eu', environment: 'dev', reason: 'trial' });
      assert.equal(dep.status, 201);
      const id = dep.body.deployment.id;
      const retired = await s.request('POST', `/api/v1/deployments/${id}/retire`, { token: operator, body: { reason: 'trial over' } });
      assert.equal(retired.status, 200, JSON.stringify(retired.body));
      assert.equal(retired.body.state, 'retired');
      assert.equal((await s.cairn.ledger.entry((await entriesOfKind(s.cairn, 'deployment.retired'))[0]!.index)).entry.subject, `deployment:${id}`);
      const before = await size();
      const twice = await s.request('POST', `/api/v1/deployments/${id}/retire`, { token: operator, body: { reason: 'again' } });
      assert.equal(twice.status, 409);
      assert.deepEqual(twice.body.error.details, { state: 'retired', allowed: [] });
      const superseded = await s.request('POST', `/api/v1/deployments/${first['id']}/retire`, { token: operator, body: { reason: 'old one' } });
      assert.deepEqual([superseded.status, superseded.body.error.code, superseded.body.error.details], [409, 'invalid_state', { state: 'superseded', allowed: [] }]);
      const nothing = await rollbackReq({ model: 'support-assistant', zone: 'regulated-ai-eu', environment: 'dev', reason: 'undo' });
      assert.equal(nothing.status, 409);
      assert.equal(await size(), before);
      const list = await s.request('GET', '/api/v1/deployments?zone=regulated-ai-eu&environment=dev', { token: auditor });
      assert.deepEqual(list.body.deployments, []);
    });

    it('serialises concurrent deploys of one slot: none lost, none doubled, one consistent chain', async () => {
      const versions = Array.from({ length: 8 }, (_, i) => ({ id: `mv_rk${i}`, version: `0.${i}` }));
      await seedModel(s.cairn, { name: 'ranker', useCase: 'document_search', riskTier: 'low', versions: [...versions, { id: 'mv_rk_dup', version: '9.9' }] });
      const slot = { zone: 'standard-ai', environment: 'prod' };
      const results = await Promise.all(versions.map((v) => deployReq({ versionId: v.id, ...slot, reason: 'race' })));
      assert.deepEqual(results.map((r) => r.status), versions.map(() => 201), JSON.stringify(results.map((r) => r.body)));
      await checkChain('ranker', slot, results.length);

      const dups = await Promise.all(Array.from({ length: 5 }, () => deployReq({ versionId: 'mv_rk_dup', ...slot, reason: 'same one, five times' })));
      assert.deepEqual(dups.map((r) => r.status).sort(), [201, 409, 409, 409, 409]);
      assert.ok(dups.filter((r) => r.status === 409).every((r) => r.body.error.code === 'already_deployed'));
      await checkChain('ranker', slot, results.length + 1);

      const rollbacks = await Promise.all(Array.from({ length: 3 }, () => rollbackReq({ model: 'ranker', ...slot, reason: 'walk back' })));
      assert.deepEqual(rollbacks.map((r) => r.status), [201, 201, 201]);
      await checkChain('ranker', slot, results.length + 4);
    });

    it('serialises deploys from two servers on one store (their transactions re-check and retry)', async () => {
      const other = await startCairn(location);
      try {
        const otherOperator = await other.token(['operator'], 'oscar-operator');
        const versions = Array.from({ length: 6 }, (_, i) => ({ id: `mv_tw${i}`, version: `1.${i}` }));
        await seedModel(s.cairn, { name: 'twin', useCase: 'summarisation', riskTier: 'low', versions });
        const slot = { zone: 'standard-ai', environment: 'prod' };
        const results = await Promise.all(
          versions.map((v, i) => (i % 2 === 0 ? deployReq({ versionId: v.id, ...slot, reason: 'from a' }) : other.request('POST', '/api/v1/deployments', { token: otherOperator, body: { versionId: v.id, ...slot, reason: 'from b' } }))),
        );
        assert.deepEqual(results.map((r) => r.status), versions.map(() => 201), JSON.stringify(results.map((r) => r.body)));
        await checkChain('twin', slot, versions.length);
      } finally {
        await other.close();
      }
    });

    /** Exactly one active deployment; each row ended when the next began, and names it as its predecessor. */
    async function checkChain(model: string, slot: { zone: string; environment: string }, expected: number): Promise<void> {
      const rows = await s.cairn.store.db.selectFrom('deployments').selectAll().where('model', '=', model).where('zone', '=', slot.zone).where('environment', '=', slot.environment).orderBy('ledger_index').execute();
      assert.equal(rows.length, expected, 'every successful call left exactly one row');
      assert.deepEqual(rows.map((r) => r.state === 'active'), rows.map((_, i) => i === rows.length - 1), 'exactly one active, the latest');
      assert.equal(rows[0]!.previous_version_id, null);
      const stack: string[] = [rows[0]!.version_id];
      for (let i = 1; i < rows.length; i += 1) {
        const [prev, cur] = [rows[i - 1]!, rows[i]!];
        assert.equal(prev.ended_at, cur.started_at, `${prev.id} ends when ${cur.id} starts`);
        if (cur.rollback_of === null) {
          assert.equal(prev.state, 'superseded');
          assert.equal(cur.previous_version_id, prev.version_id);
          stack.push(cur.version_id);
        } else {
          assert.equal(prev.state, 'rolled_back');
          assert.equal(cur.rollback_of, prev.id);
          stack.pop();
          assert.equal(cur.version_id, stack[stack.length - 1], 'a rollback restores the version before');
          assert.equal(cur.previous_version_id, stack[stack.length - 2] ?? null);
        }
        const entry = await s.cairn.ledger.entry(Number(cur.ledger_index));
        assert.equal(entry.entry.body['id'], cur.id);
        assert.equal(entry.entry.body['previousVersionId'], cur.previous_version_id);
      }
    }
  });
}
