import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`break-glass on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let operator: string;
    let engineer: string;
    let auditor: string;
    before(async () => {
      s = await startCairn(storeCase.fresh());
      operator = await s.token(['operator'], 'olga');
      engineer = await s.token(['engineer'], 'erin');
      auditor = await s.token(['auditor'], 'audrey');
    });
    after(async () => s.close());

    it('grants a policy-allowed elevation: ledgered, alerted, in metrics, effective at once', async () => {
      assert.equal((await s.request('GET', '/api/v1/tokens', { token: operator })).status, 403, 'an operator cannot manage tokens');
      const res = await s.request('POST', '/api/v1/break-glass', { token: operator, body: { assume: ['admin'], minutes: 30, reason: 'INC-4211: signing key rotation during outage' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.decision.allowed, true);
      const expires = Date.parse(res.body.elevation.expiresAt);
      assert.ok(Math.abs(expires - (Date.now() + 30 * 60_000)) < 10_000);

      const me = await s.request('GET', '/api/v1/whoami', { token: operator });
      assert.deepEqual([...me.body.roles].sort(), ['admin', 'operator']);
      assert.equal(me.body.elevation.id, res.body.elevation.id);
      assert.equal((await s.request('GET', '/api/v1/tokens', { token: operator })).status, 200, 'the elevation is in force');

      // What the elevated principal does names the elevation in the ledger — here, a refusal:
      // credentials are never minted under an elevation (docs/identity.md).
      const issued = await s.request('POST', '/api/v1/tokens', { token: operator, body: { roles: ['operator'], ttl: 600 } });
      assert.equal(issued.status, 403);
      assert.equal(issued.body.error.code, 'delegation_refused');
      const entries = await s.cairn.ledger.entries(0, 10_000);
      const grant = entries.find((e) => e.entry.kind === 'break_glass.granted')!;
      assert.equal(grant.entry.actor.id, 'olga');
      assert.equal(grant.entry.body['reason'], 'INC-4211: signing key rotation during outage');
      const act = entries.find((e) => e.entry.kind === 'token.refused' && e.entry.body['principal'] === 'olga')!;
      assert.equal(act.index, issued.body.error.details.ledgerIndex);
      assert.equal(act.entry.actor.elevation, res.body.elevation.id);

      const alerts = await s.request('GET', '/api/v1/alerts?active=true', { token: auditor });
      assert.equal(alerts.status, 200);
      const alert = alerts.body.alerts.find((a: { kind: string }) => a.kind === 'break_glass');
      assert.ok(alert, 'an active break-glass alert');
      assert.equal(alert.severity, 'high');
      assert.equal(alert.principal, 'olga');
      assert.equal(alert.ledgerIndex, grant.index);
      const metrics = await s.request('GET', '/metrics', { token: auditor });
      assert.match(metrics.text, /^cairn_break_glass_active 1$/m);
      assert.match(metrics.text, /^cairn_alerts_raised_total 1$/m);
    });

    it('expires by itself', async () => {
      const res = await s.request('POST', '/api/v1/break-glass', { token: operator, body: { assume: ['admin'], minutes: 5, reason: 'second incident, short window' } });
      assert.equal(res.status, 201);
      // Bring both of olga's elevations to their end, as the clock would.
      const soon = new Date(Date.now() + 1000).toISOString();
      await s.cairn.store.db.updateTable('elevations').set({ expires_at: soon }).where('principal', '=', 'olga').execute();
      await s.cairn.store.db.updateTable('alerts').set({ expires_at: soon }).where('principal', '=', 'olga').execute();
      await new Promise((r) => setTimeout(r, 2100));
      const me = await s.request('GET', '/api/v1/whoami', { token: operator });
      assert.deepEqual(me.body.roles, ['operator']);
      assert.equal(me.body.elevation, undefined);
      assert.equal((await s.request('GET', '/api/v1/tokens', { token: operator })).status, 403);
      assert.equal((await s.request('GET', '/api/v1/alerts?active=true', { token: auditor })).body.alerts.length, 0);
      assert.match((await s.request('GET', '/metrics', { token: auditor })).text, /^cairn_break_glass_active 0$/m);
    });

    it('refuses what policy does not allow, and records the refusal', async () => {
      const before = (await s.cairn.ledger.entries(0, 10_000)).filter((e) => e.entry.kind === 'break_glass.denied').length;
      const res = await s.request('POST', '/api/v1/break-glass', { token: engineer, body: { assume: ['admin'], minutes: 10, reason: 'I would like to be admin for a bit' } });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'break_glass_denied');
      assert.equal(res.body.error.details.decision.allowed, false);
      assert.ok(res.body.error.details.decision.reasons.length > 0);
      const denied = (await s.cairn.ledger.entries(0, 10_000)).filter((e) => e.entry.kind === 'break_glass.denied');
      assert.equal(denied.length, before + 1);
      assert.equal(denied.at(-1)!.entry.actor.id, 'erin');
      assert.equal((await s.request('GET', '/api/v1/whoami', { token: engineer })).body.elevation, undefined);
    });

    it('refuses more than an hour, a missing reason, unknown roles — with 400 and nothing written', async () => {
      const before = await s.cairn.ledger.size();
      for (const body of [
        { assume: ['admin'], minutes: 61, reason: 'too long a window' },
        { assume: ['admin'], minutes: 0, reason: 'zero minutes is nothing' },
        { assume: ['admin'], minutes: 10 },
        { assume: ['admin'], minutes: 10, reason: 'short' },
        { assume: ['root'], minutes: 10, reason: 'unknown role requested' },
        { assume: [], minutes: 10, reason: 'nothing requested at all' },
      ]) {
        const res = await s.request('POST', '/api/v1/break-glass', { token: operator, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.error.code, 'invalid_request');
      }
      await s.cairn.ledger.flush();
      assert.equal(await s.cairn.ledger.size(), before);
    });
  });
}
