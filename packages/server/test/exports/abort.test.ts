import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

describe('an export whose client hangs up', () => {
  let s: RunningCairn;
  before(async () => {
    s = await startCairn(storeCases[0]!.fresh());
    // Large enough (≈ 60 MB of tar) that the server cannot have written it all into socket buffers.
    const actor = { id: 'erin', type: 'user', auth: 'token' } as const;
    for (let i = 0; i < 20_000; i += 500) {
      await s.cairn.ledger.append({ actor, entries: Array.from({ length: 500 }, (_, k) => ({ kind: 'custom.batch', subject: 'batch:1', body: { i: i + k } })) });
    }
  });
  after(async () => s.close());

  it('is recorded as failed (aborted), never as completed', async () => {
    const controller = new AbortController();
    const res = await fetch(`${s.url}/api/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: { kind: 'subject', subject: 'batch:1' }, reason: 'will hang up' }),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const id = res.headers.get('cairn-export-id')!;
    await res.body!.getReader().read();
    controller.abort();
    let record = await s.cairn.exports.get(id);
    for (let i = 0; i < 200 && record.state === 'building'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      record = await s.cairn.exports.get(id);
    }
    assert.equal(record.state, 'failed');
    assert.equal(record.error, 'aborted');
    const after = await s.cairn.ledger.entries(record.requestIndex, 100);
    assert.deepEqual(after.filter((e) => e.entry.subject === `export:${id}`).map((e) => e.entry.kind), ['export.requested', 'export.failed']);
  });
});
