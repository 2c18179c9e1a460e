import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppendRequest } from '../../src/ledger/appender.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';
import { assertRecorded, validatedVersion } from '../helpers/versions.js';

after(cleanupStores);

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Red team: a waiver's decider adds evidence to the version while the decision is on its way. The
 * log must never show a participant deciding the waiver: the separation is checked again inside
 * the decision's transaction, as it is for approvals.
 */
for (const storeCase of storeCases) {
  describe(`red team: waiver decision racing the decider's evidence on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      s = await startCairn(storeCase.fresh());
    });
    after(async () => s.close());

    it('a decider who became a participant meanwhile is refused, and the refusal recorded', async () => {
      const sue = await s.token(['engineer'], 'sue');
      const erin = await s.token(['engineer', 'reviewer:model-risk'], 'erin');
      const v = await validatedVersion(s, sue, 'rt-wr');
      const w = await s.request('POST', `/api/v1/model-versions/${v.id}/waivers`, { token: sue, body: { rule: 'evidence.fairness', reason: 'not applicable to ranking', days: 30 } });
      assert.equal(w.status, 201, w.text);
      const ledger = s.cairn.ledger;
      const original = ledger.append.bind(ledger);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let reached!: () => void;
      const atGate = new Promise<void>((r) => (reached = r));
      ledger.append = async (request: AppendRequest) => {
        if (request.entries[0]?.kind === 'model_version.waiver_approved') {
          reached();
          await gate;
        }
        return original(request);
      };
      try {
        const deciding = s.request('POST', `/api/v1/waivers/${w.body.id}/approve`, { token: erin, body: { reason: 'acceptable for ranking' } });
        await atGate;
        const ev = await s.request('POST', `/api/v1/model-versions/${v.id}/evidence`, { token: erin, body: { kind: 'red_team', title: 'mine', mediaType: 'text/plain', content: b64('erin') } });
        assert.equal(ev.status, 201, ev.text);
        release();
        const decided = await deciding;
        assert.equal(decided.status, 403, `a participant decided the waiver: ${decided.text}`);
        await assertRecorded(s, decided, 'separation_of_duties', 'model_version.waiver_refused');
      } finally {
        ledger.append = original;
        release();
      }
    });
  });
}
