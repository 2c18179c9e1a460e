import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Actor } from '../../src/ledger/entry.js';
import { parseWriteRates } from '../../src/limits/write-rates.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

const unlimitedWrites = parseWriteRates('default=100000/s,burst=100000');

async function entriesOf(s: RunningCairn, kind: string, actor: string) {
  await s.cairn.ledger.flush();
  const all = await s.cairn.ledger.entries(0, 100_000);
  return all.filter((e) => e.entry.kind === kind && e.entry.actor.id === actor);
}

/** Polls until `read` returns something, for at most `ms`. */
async function eventually<T>(read: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await read();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const storeCase of storeCases) {
  describe(`recorded refusals are rate-limited and aggregated on ${storeCase.name}`, () => {
    it('2000 denied break-glass requests from one auditor: all 403, at most 5 written one by one, the rest counted in one entry', { timeout: 180_000 }, async () => {
      const s = await startCairn(storeCase.fresh(), { writeRates: unlimitedWrites });
      try {
        const auditor = await s.token(['auditor'], 'audrey');
        const other = await s.token(['auditor'], 'otto');
        await s.cairn.ledger.flush();
        const sizeBefore = await s.cairn.ledger.size();
        const body = { assume: ['admin'], minutes: 10, reason: 'let me in, it is urgent' };
        const answers: { status: number; body: any }[] = [];
        for (let i = 0; i < 2000; i += 20) {
          answers.push(...(await Promise.all(Array.from({ length: 20 }, () => s.request('POST', '/api/v1/break-glass', { token: auditor, body })))));
        }
        assert.equal(answers.length, 2000);
        const odd = answers.filter((a) => a.status !== 403 || a.body.error.code !== 'break_glass_denied');
        assert.deepEqual(odd.slice(0, 3), [], 'every request is answered 403 break_glass_denied');
        const written = answers.filter((a) => typeof a.body.error.details.ledgerIndex === 'number');
        const suppressed = answers.filter((a) => a.body.error.details.suppressed === true);
        assert.equal(written.length, 5);
        assert.equal(suppressed.length, 1995);
        assert.ok(suppressed.every((a) => a.body.error.details.ledgerIndex === undefined && a.body.error.details.decision.allowed === false));
        assert.equal((await entriesOf(s, 'break_glass.denied', 'audrey')).length, 5);

        // Another principal's refusal is written as usual.
        const others = await s.request('POST', '/api/v1/break-glass', { token: other, body });
        assert.equal(typeof others.body.error.details.ledgerIndex, 'number');

        await s.cairn.ledger.refusals.flush(); // what closing the window, or stopping the server, does
        const aggregates = await entriesOf(s, 'refusals.suppressed', 'audrey');
        assert.equal(aggregates.length, 1);
        const aggregate = aggregates[0]!.entry;
        assert.equal(aggregate.subject, 'principal:audrey');
        assert.equal(aggregate.body['total'], 1995);
        const refusals = aggregate.body['refusals'] as { kind: string; subject: string; count: number; first: string; last: string }[];
        assert.deepEqual(refusals.map((r) => [r.kind, r.subject, r.count]), [['break_glass.denied', 'principal:audrey', 1995]]);
        assert.ok(refusals[0]!.first <= refusals[0]!.last);
        await s.cairn.ledger.flush();
        assert.equal(await s.cairn.ledger.size(), sizeBefore + 5 + 1 + 1, "audrey's 5 and her aggregate, otto's one");
        assert.match((await s.request('GET', '/metrics')).text, /^cairn_refusals_suppressed_total 1995$/m);
      } finally {
        await s.close();
      }
    });

    it('caps refusals per principal across subjects, writes the aggregate when the window closes, then writes one by one again', { timeout: 60_000 }, async () => {
      const s = await startCairn(storeCase.fresh(), { refusalLimits: { perSubject: 2, perPrincipal: 3, windowMs: 400 } });
      try {
        const actor: Actor = { id: 'mallory', type: 'user', auth: 'token' };
        const record = (subject: string) => s.cairn.ledger.refusals.record(actor, { kind: 'custom.refused', subject, body: {} });
        const first = [await record('a'), await record('a'), await record('a'), await record('b'), await record('c'), await record('d')];
        assert.deepEqual(first.map((r) => 'ledgerIndex' in r), [true, true, false, true, false, false], 'two for subject a, three in all');
        const aggregate = await eventually(async () => (await entriesOf(s, 'refusals.suppressed', 'mallory'))[0], 10_000);
        assert.equal(aggregate.entry.body['total'], 3);
        const counts = (aggregate.entry.body['refusals'] as { subject: string; count: number }[]).map((r) => [r.subject, r.count]);
        assert.deepEqual(counts, [['a', 1], ['c', 1], ['d', 1]]);
        assert.ok('ledgerIndex' in (await record('a')), 'a new window writes again');
        assert.equal((await entriesOf(s, 'custom.refused', 'mallory')).length, 4);
      } finally {
        await s.close();
      }
    });
  });
}
