import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { examplePolicyPath } from '../../src/policy/index.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const example = fs.readFileSync(examplePolicyPath(), 'utf8');
/** A semantically different pack: standard-ai stops allowing external LLM calls. */
const changed = example.replace(/external_llm_calls: true # workloads here may call external LLM services/, 'external_llm_calls: false # tightened');

for (const storeCase of storeCases) {
  describe(`policy governance on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let alice: string; // steward + reviewer:compliance: may propose and approve, but never her own
    let bob: string; // reviewer:compliance
    let carol: string; // reviewer:compliance
    let engineer: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      alice = await s.token(['steward', 'reviewer:compliance'], 'alice');
      bob = await s.token(['reviewer:compliance'], 'bob');
      carol = await s.token(['reviewer:compliance'], 'carol');
      engineer = await s.token(['engineer'], 'erin');
    });
    after(async () => s.close());

    const ledgerKinds = async () => (await s.cairn.ledger.entries(0, 10_000)).map((e) => e.entry);

    it('starts with the shipped pack active, recorded as a bootstrap by the system', async () => {
      const res = await s.request('GET', '/api/v1/policy', { token: engineer });
      assert.equal(res.status, 200);
      assert.equal(res.body.version.status, 'active');
      assert.match(res.body.version.hash, /^sha256:[0-9a-f]{64}$/);
      assert.equal(res.body.source, example);
      const boot = (await ledgerKinds()).find((e) => e.kind === 'policy.activated')!;
      assert.equal(boot.actor.id, 'cairn');
      assert.equal(boot.body['hash'], res.body.version.hash);
    });

    it('records a proposal with its diff; the proposer cannot approve it; another reviewer:compliance can', async () => {
      const activeBefore = (await s.request('GET', '/api/v1/policy')).body.version;
      const proposed = await s.request('POST', '/api/v1/policy/proposals', { token: alice, body: { source: changed, reason: 'no external LLMs anywhere', file: 'pack.yaml' } });
      assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
      assert.equal(proposed.body.status, 'proposed');
      assert.equal(proposed.body.baseHash, activeBefore.hash);
      assert.deepEqual(proposed.body.diff, [{ path: '/zones/standard-ai/controls/external_llm_calls', op: 'replace', from: true, to: false }]);
      const entry = await s.cairn.ledger.entry(proposed.body.proposalIndex);
      assert.equal(entry.entry.kind, 'policy.proposed');
      assert.equal(entry.entry.actor.id, 'alice');
      assert.deepEqual(entry.entry.body['diff'], proposed.body.diff);

      // Still not active.
      assert.equal((await s.request('GET', '/api/v1/policy')).body.version.hash, activeBefore.hash);

      const self = await s.request('POST', `/api/v1/policy/proposals/${proposed.body.id}/approve`, { token: alice, body: { reason: 'looks fine to me' } });
      assert.equal(self.status, 403);
      assert.equal(self.body.error.code, 'separation_of_duties');
      assert.equal(self.body.error.details.decision.allowed, false);
      const refusal = (await ledgerKinds()).filter((e) => e.kind === 'policy.approval_refused');
      assert.equal(refusal.length, 1, 'the refused self-approval is recorded');
      assert.equal(refusal[0]!.actor.id, 'alice');

      const engineerTry = await s.request('POST', `/api/v1/policy/proposals/${proposed.body.id}/approve`, { token: engineer, body: { reason: 'ok' } });
      assert.equal(engineerTry.status, 403);
      assert.equal(engineerTry.body.error.code, 'forbidden');

      const approved = await s.request('POST', `/api/v1/policy/proposals/${proposed.body.id}/approve`, { token: bob, body: { reason: 'agreed at the risk committee' } });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.version.status, 'active');
      assert.equal(approved.body.version.decidedBy, 'bob');
      assert.equal(approved.body.decision.allowed, true);
      const active = (await s.request('GET', '/api/v1/policy')).body.version;
      assert.equal(active.id, proposed.body.id);
      assert.equal((await s.request('GET', `/api/v1/policy/versions/${activeBefore.id}`)).body.version.status, 'superseded');
      const activation = await s.cairn.ledger.entry(approved.body.version.decisionIndex);
      assert.equal(activation.entry.kind, 'policy.activated');
      assert.equal(activation.entry.body['previousHash'], activeBefore.hash);

      const again = await s.request('POST', `/api/v1/policy/proposals/${proposed.body.id}/approve`, { token: carol, body: { reason: 'me too' } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'invalid_state');
    });

    it('never activates an invalid pack, and says where it is wrong', async () => {
      const before = await s.cairn.ledger.size();
      const broken = example.replace('allowed_zones: [hipaa-ai]', 'allowed_zones: [hipaa-ai, moon-base]');
      assert.notEqual(broken, example, 'the fixture edit applied');
      const res = await s.request('POST', '/api/v1/policy/proposals', { token: alice, body: { source: broken, reason: 'typo', file: 'broken.yaml' } });
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'policy_invalid');
      const issue = res.body.error.details.issues[0];
      assert.equal(issue.file, 'broken.yaml');
      assert.ok(issue.line > 1 && issue.column > 1, JSON.stringify(issue));
      assert.match(issue.message, /moon-base/);
      assert.equal(await s.cairn.ledger.size(), before, 'nothing written');
      assert.equal((await s.request('GET', '/api/v1/policy/versions?status=proposed')).body.versions.length, 0);

      const lint = await s.request('POST', '/api/v1/policy/lint', { token: engineer, body: { source: broken, file: 'broken.yaml' } });
      assert.equal(lint.status, 200);
      assert.equal(lint.body.valid, false);
      assert.deepEqual(lint.body.issues, res.body.error.details.issues);
    });

    it('refuses a stale proposal, and lets exactly one of two concurrent approvals win', async () => {
      const current = (await s.request('GET', '/api/v1/policy')).body;
      const a = await s.request('POST', '/api/v1/policy/proposals', { token: alice, body: { source: current.source.replace('name: example-regulated-ai-factory', 'name: variant-a'), reason: 'variant a' } });
      const b = await s.request('POST', '/api/v1/policy/proposals', { token: alice, body: { source: current.source.replace('name: example-regulated-ai-factory', 'name: variant-b'), reason: 'variant b' } });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      const [r1, r2] = await Promise.all([
        s.request('POST', `/api/v1/policy/proposals/${a.body.id}/approve`, { token: bob, body: { reason: 'bob approves' } }),
        s.request('POST', `/api/v1/policy/proposals/${a.body.id}/approve`, { token: carol, body: { reason: 'carol approves' } }),
      ]);
      assert.deepEqual([r1.status, r2.status].sort(), [200, 409], 'one approval wins, the other sees it is no longer proposed');
      const stale = await s.request('POST', `/api/v1/policy/proposals/${b.body.id}/approve`, { token: bob, body: { reason: 'late' } });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'policy_conflict');
      const rejected = await s.request('POST', `/api/v1/policy/proposals/${b.body.id}/reject`, { token: bob, body: { reason: 'superseded by variant a' } });
      assert.equal(rejected.status, 200);
      assert.equal(rejected.body.version.status, 'rejected');
      assert.equal((await s.request('GET', '/api/v1/policy/versions?status=active')).body.versions.length, 1);
    });

    it('refuses ePHI in standard-ai and allows it in hipaa-ai, with the reasons and the policy hash', async () => {
      const active = (await s.request('GET', '/api/v1/policy')).body.version.hash;
      const refused = await s.request('POST', '/api/v1/placements/check', { token: engineer, body: { workload: { dataClasses: ['ephi'] }, zone: 'standard-ai' } });
      assert.equal(refused.status, 200);
      assert.equal(refused.body.allowed, false);
      assert.equal(refused.body.policy, active);
      assert.ok(refused.body.reasons.some((r: string) => /hipaa-ai/.test(r) && /standard-ai/.test(r)), JSON.stringify(refused.body.reasons));
      const allowed = await s.request('POST', '/api/v1/placements/check', { token: engineer, body: { workload: { dataClasses: ['ephi'] }, zone: 'hipaa-ai' } });
      assert.equal(allowed.body.allowed, true, JSON.stringify(allowed.body));
      assert.ok(allowed.body.reasons.length > 0);
      assert.ok(allowed.body.obligations.length > 0, 'run-time obligations are listed');

      const dry = await s.request('POST', '/api/v1/policy/evaluate', { token: engineer, body: { placement: { workload: { dataClasses: ['cardholder_data'] }, zone: 'standard-ai' }, source: example } });
      assert.equal(dry.status, 200);
      assert.equal(dry.body.allowed, false);
      assert.notEqual(dry.body.policy, active, 'evaluated against the candidate pack');
      const two = await s.request('POST', '/api/v1/policy/evaluate', { token: engineer, body: {} });
      assert.equal(two.status, 400);
      const badZone = await s.request('POST', '/api/v1/placements/check', { token: engineer, body: { workload: { dataClasses: ['ephi'], gpu: true }, zone: 'hipaa-ai' } });
      assert.equal(badZone.status, 400);
    });
  });
}
