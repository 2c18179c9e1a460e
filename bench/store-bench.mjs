// (a) raw baseline and (b) ledger appends, in one store, at the same batch sizes.
//
// (a) writes pre-built leaves into `bench_raw`, a table of log_entries' shape, with the same
//     Store.writeTransaction (BEGIN IMMEDIATE / BEGIN … COMMIT, same durability settings) and the
//     same multi-row INSERT chunking as the ledger's appender. No hashing, no signing, no log_head.
// (b) appends the same kind of entries through `Ledger.append`: canonical JSON, leaf and node
//     hashes, the log_head read/lock and update, all in one transaction per request.
import * as server from '../packages/server/dist/src/index.js';
import { countStatements, CpuMeter, summarize } from './lib.mjs';
import { ACTOR, entryInput, entryInputs } from './workload.mjs';

/** The appender's chunk (packages/server/src/ledger/appender.ts INSERT_CHUNK): 6 parameters a row. */
export const INSERT_CHUNK = 4000;
const CONST_HASHES = new Uint8Array(32).fill(0xab);

export async function createRawTable(store) {
  const int64 = store.dialect === 'postgres' ? 'bigint' : 'integer';
  const bytes = store.dialect === 'postgres' ? 'bytea' : 'blob';
  await store.db.schema
    .createTable('bench_raw')
    .ifNotExists()
    .addColumn('idx', int64, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('leaf', bytes, (c) => c.notNull())
    .addColumn('hashes', bytes, (c) => c.notNull())
    .execute();
  // For (a′): a one-row head like log_head, so the ledger's own statements can be priced apart.
  await store.db.schema
    .createTable('bench_head')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('size', int64, (c) => c.notNull())
    .addColumn('last_time', 'text', (c) => c.notNull())
    .execute();
  await store.db.insertInto('bench_head').values({ id: 1, size: 0, last_time: '' }).execute();
}

/** Pre-built rows (canonical entry JSON of the workload), cycled by the raw writer. */
function rawTemplates(count) {
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const entry = server.makeEntry(entryInput(i), ACTOR, server.rfc3339(Date.now()));
    out.push({ kind: entry.kind, subject: entry.subject ?? null, time: entry.time, leaf: server.entryLeaf(entry) });
  }
  return out;
}

class RawWriter {
  #store;
  #templates;
  #next = 0;

  constructor(store, templates) {
    this.#store = store;
    this.#templates = templates;
  }

  /** With `head`, also read (on PostgreSQL: lock) and update a one-row head, as the appender does with log_head. */
  async write(batch, head = false) {
    const rows = new Array(batch);
    for (let i = 0; i < batch; i += 1) {
      const t = this.#templates[this.#next % this.#templates.length];
      rows[i] = { idx: this.#next, kind: t.kind, subject: t.subject, time: t.time, leaf: t.leaf, hashes: CONST_HASHES };
      this.#next += 1;
    }
    await this.#store.writeTransaction(async (trx) => {
      if (head) {
        let q = trx.selectFrom('bench_head').select(['size', 'last_time']).where('id', '=', 1);
        if (this.#store.dialect === 'postgres') q = q.forUpdate();
        await q.executeTakeFirstOrThrow();
      }
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx.insertInto('bench_raw').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      }
      if (head) await trx.updateTable('bench_head').set({ size: this.#next, last_time: rows[rows.length - 1].time }).where('id', '=', 1).execute();
    });
  }
}

/**
 * Runs `once(batch)` back to back for `ms`; returns entries/s and per-transaction latency.
 * Only the awaited call is timed: building the next batch's inputs happens outside the clock.
 */
async function timedLoop(ms, batch, prepare, once) {
  let entries = 0;
  let busy = 0;
  let transactions = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const arg = prepare(batch);
    const s = performance.now();
    await once(arg);
    busy += performance.now() - s;
    transactions += 1;
    entries += batch;
  }
  return { entries, transactions, seconds: busy / 1000, entriesPerSec: entries / (busy / 1000) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * (a) and (b) at each batch size, interleaved: `rounds` short slices of each, alternating which
 * goes first, and the median slice rate of each side is reported. On a shared machine a burst of
 * unrelated load then spoils a slice or two rather than one side of the comparison.
 */
export async function runStoreBench({ store, ledger, batchSizes, rounds, sliceMs, groupCommitMs, concurrency, log, noise }) {
  await createRawTable(store);
  const raw = new RawWriter(store, rawTemplates(4096));
  let seq = 10_000_000; // distinct from (d)'s inputs; the content does not matter to the store
  const prepareInputs = (b) => {
    const inputs = entryInputs(seq, b);
    seq += b;
    return inputs;
  };
  const rawOnce = (b) => raw.write(b);
  const rawHeadOnce = (b) => raw.write(b, true);
  const ledgerOnce = (inputs) => ledger.append({ actor: ACTOR, entries: inputs });

  // Warm both paths (statement caches, JIT, pool connections).
  for (let i = 0; i < 20; i += 1) {
    await raw.write(10);
    await ledgerOnce(prepareInputs(10));
  }

  // Statements each kind of transaction sends (counted once, untimed).
  const statements = {};
  for (const b of [1, 1000]) {
    statements[`raw B=${b}`] = await countStatements(() => raw.write(b));
    statements[`raw+head B=${b}`] = await countStatements(() => raw.write(b, true));
    statements[`ledger B=${b}`] = await countStatements(() => ledgerOnce(prepareInputs(b)));
  }
  log(`    statements per transaction: ${Object.entries(statements).map(([k, v]) => `${k}: ${v.statements}`).join(', ')}`);

  const batches = [];
  const measureBatch = async (b) => {
    const cpu = new CpuMeter();
    const sides = [
      { key: 'raw', runs: [], run: () => timedLoop(sliceMs, b, (n) => n, rawOnce) },
      { key: 'rawHead', runs: [], run: () => timedLoop(sliceMs, b, (n) => n, rawHeadOnce) },
      { key: 'ledger', runs: [], run: () => timedLoop(sliceMs, b, prepareInputs, ledgerOnce) },
    ];
    for (let r = 0; r < rounds; r += 1) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) side.runs.push(await side.run());
    }
    const rate = (side) => median(side.runs.map((x) => x.entriesPerSec));
    const [rawRate, rawHeadRate, ledgerRate] = sides.map(rate);
    return {
      batch: b,
      raw: { entriesPerSec: rawRate, runs: sides[0].runs },
      rawHead: { entriesPerSec: rawHeadRate, runs: sides[1].runs },
      ledger: { entriesPerSec: ledgerRate, runs: sides[2].runs },
      ratio: ledgerRate / rawRate,
      cpu: cpu.stop(),
    };
  };
  for (const b of batchSizes) {
    const row = await quietest(() => measureBatch(b), noise, log, (x) => `B=${b}: ratio ${x.ratio.toFixed(2)}`);
    batches.push(row);
    log(
      `    B=${String(b).padStart(4)}  raw ${Math.round(row.raw.entriesPerSec).toLocaleString('en-US').padStart(9)}/s  raw+head ${Math.round(row.rawHead.entriesPerSec).toLocaleString('en-US').padStart(9)}/s  ledger ${Math.round(row.ledger.entriesPerSec).toLocaleString('en-US').padStart(9)}/s  ratio ${row.ratio.toFixed(2)}` +
        `  (median of ${rounds} slices each; unrelated load ${row.cpu?.other ?? '?'} cores)`,
    );
  }

  // Group commit: `concurrency` single-entry appends always in flight. Every request of one
  // transaction reports the same tree size, so distinct sizes = transactions.
  const measureGroupCommit = async () => {
    const sizes = new Set();
    const gcCpu = new CpuMeter();
    let entries = 0;
    const lat = [];
    const t0 = performance.now();
    const deadline = t0 + groupCommitMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const input = entryInput(seq++);
          const s = performance.now();
          const r = await ledger.append({ actor: ACTOR, entries: [input] });
          lat.push(performance.now() - s);
          sizes.add(r.treeSize);
          entries += 1;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      concurrency,
      entries,
      seconds,
      entriesPerSec: entries / seconds,
      transactions: sizes.size,
      meanBatch: entries / sizes.size,
      latencyMs: summarize(lat),
      cpu: gcCpu.stop(),
    };
  };
  const groupCommit = await quietest(measureGroupCommit, noise, log, (x) => `group commit ${Math.round(x.entriesPerSec)}/s`);
  log(`    group commit (${concurrency} in flight): ${Math.round(groupCommit.entriesPerSec).toLocaleString('en-US')}/s, mean batch ${groupCommit.meanBatch.toFixed(1)}, p50 ${groupCommit.latencyMs.p50.toFixed(2)} ms, p99 ${groupCommit.latencyMs.p99.toFixed(2)} ms`);
  return { batches, groupCommit, statements };
}

/**
 * Runs `measure` and, while unrelated load during it exceeded the threshold, waits for quiet and
 * runs it again (at most `noise.retries` more times). Returns the quietest result, with the
 * discarded ones summarised in `discardedAttempts`.
 */
export async function quietest(measure, noise, log, describe) {
  const results = [];
  for (let attempt = 0; ; attempt += 1) {
    const r = await measure();
    results.push(r);
    const other = r.cpu?.other ?? 0;
    if (!noise || other <= noise.thresholdCores || attempt >= noise.retries) break;
    log(`    ${describe(r)} with ${other} cores of unrelated load; measuring again`);
    await noise.waitForQuiet();
  }
  results.sort((a, b) => (a.cpu?.other ?? 0) - (b.cpu?.other ?? 0));
  const [best, ...rest] = results;
  if (rest.length) best.discardedAttempts = rest.map((r) => ({ summary: describe(r), otherCores: r.cpu?.other }));
  return best;
}
