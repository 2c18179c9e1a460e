import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { appendLoad, type LoadResult } from './helpers/append-load.js';
import { assertLogHolds, readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { PG_URL, Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServeOptions } from './helpers/spawn-server.js';

/**
 * Crash durability: `cairn serve` is SIGKILLed again and again in the middle of concurrent
 * appends. A 201 means durable, so every acknowledged entry must survive every crash at the
 * index and with the leaf hash it was acknowledged with; the log must stay contiguous, each
 * request all-or-nothing, and the store must pass the offline audit and the remote one.
 */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

const CLIENTS = 16;

async function crashRepeatedly(serve: ServeOptions, kills: number): Promise<{ loads: LoadResult[]; perRound: string[] }> {
  const loads: LoadResult[] = [];
  const perRound: string[] = [];
  for (let round = 0; round < kills; round += 1) {
    const server = await spawnServer(serve);
    const stop = new AbortController();
    const load = appendLoad({ url: server.url, token: server.adminToken(), clients: CLIENTS, prefix: `r${round}c`, signal: stop.signal });
    const delay = 150 + Math.floor(Math.random() * 450);
    await sleep(delay);
    const exit = await server.kill();
    stop.abort();
    const result = await load;
    assert.equal(exit.signal, 'SIGKILL', `round ${round}: the server exited by itself before the kill: ${server.stderr()}`);
    assert.deepEqual(result.refusals, [], `round ${round}: the server refused appends`);
    // Every client stops only at a transport error, so the kill found requests in flight.
    assert.ok(result.transportErrors > 0, `round ${round}: no request was cut off by the kill`);
    loads.push(result);
    perRound.push(`${delay}ms:${result.acked.length}`);
  }
  return { loads, perRound };
}

/** After the crashes: one more start, then the log through the API and `cairn log verify --url`. */
async function checkAfterRestart(serve: ServeOptions, loads: LoadResult[]): Promise<number> {
  const server = await spawnServer(serve);
  let size: number;
  try {
    const token = server.adminToken();
    size = (await signCheckpoint(server.url, token)).size;
    const log = await readLog(server.url, token);
    assert.equal(log.length, size, `the signed checkpoint says ${size} entries, the API serves ${log.length}`);
    assertLogHolds(log, loads);

    const args = ['--url', server.url, '--json', 'log', 'verify'];
    const remote = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_TOKEN_FILE: `${serve.data}/admin-token` } });
    assert.equal(remote.code, 0, describeRun(args, remote));
    assert.equal(remote.json().ok, true);
    assert.equal(remote.json().entriesChecked, size);
  } finally {
    await server.stop();
  }
  assert.equal((await server.exited).code, 0, `graceful stop failed: ${server.stderr()}`);
  return size;
}

async function verifyOffline(storeArgs: string[], size: number): Promise<void> {
  const args = ['--json', 'log', 'verify', ...storeArgs];
  const offline = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
  assert.equal(offline.code, 0, describeRun(args, offline));
  const report = offline.json();
  assert.equal(report.ok, true, describeRun(args, offline));
  assert.equal(report.problem, undefined);
  assert.equal(report.treeSize, size);
  assert.equal(report.entriesChecked, size);
  assert.ok(report.checkpointsChecked > 0, 'no signed checkpoint was audited');
}

describe('crash durability of `cairn serve` under SIGKILL', () => {
  test('embedded SQLite: 20 kills mid-load lose no acknowledged entry and leave a verifiable log', { timeout: 300_000 }, async (t) => {
    const data = scratch.dir();
    const serve: ServeOptions = { data };
    const { loads, perRound } = await crashRepeatedly(serve, 20);
    t.diagnostic(`kill delay:acknowledged entries per round ${perRound.join(' ')}`);

    // The store as the last kill left it, before any server has reopened it.
    const acked = loads.reduce((n, l) => n + l.acked.length, 0);
    const crashed = await runCli(['--json', 'log', 'verify', '--data', data], { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
    assert.equal(crashed.code, 0, describeRun(['log', 'verify', '--data', data], crashed));
    assert.ok(crashed.json().treeSize >= acked, `the crashed store holds ${crashed.json().treeSize} entries, ${acked} were acknowledged`);

    const size = await checkAfterRestart(serve, loads);
    await verifyOffline(['--data', data], size);
  });

  test('PostgreSQL: 5 kills mid-load lose no acknowledged entry and leave a verifiable log', { timeout: 120_000 }, async (t) => {
    assert.ok(PG_URL, 'CAIRN_TEST_DATABASE_URL must point at a PostgreSQL database for this suite');
    const serve: ServeOptions = { data: scratch.dir(), databaseUrl: PG_URL, databaseSchema: scratch.schema() };
    const { loads, perRound } = await crashRepeatedly(serve, 5);
    t.diagnostic(`kill delay:acknowledged entries per round ${perRound.join(' ')}`);
    const size = await checkAfterRestart(serve, loads);
    await verifyOffline(['--database-url', PG_URL, '--database-schema', serve.databaseSchema!], size);
  });
});

describe('graceful stop of `cairn serve` under load', () => {
  test('SIGTERM answers every append it commits: none is written without its 201', { timeout: 120_000 }, async () => {
    // A client that gets no answer must assume nothing was written and may retry, so an entry
    // committed during shutdown whose 201 was never sent would be appended twice.
    const data = scratch.dir();
    const loads: LoadResult[] = [];
    for (let round = 0; round < 3; round += 1) {
      const server = await spawnServer({ data });
      const stop = new AbortController();
      const load = appendLoad({ url: server.url, token: server.adminToken(), clients: CLIENTS, prefix: `t${round}c`, signal: stop.signal });
      await sleep(300 + Math.floor(Math.random() * 300));
      const exit = await server.stop();
      stop.abort();
      const result = await load;
      assert.equal(exit.code, 0, `round ${round}: graceful stop failed: ${server.stderr()}`);
      for (const refusal of result.refusals) assert.match(refusal, /^503 /, `round ${round}: refused otherwise than as unavailable`);
      loads.push(result);
    }
    const server = await spawnServer({ data });
    try {
      const log = await readLog(server.url, server.adminToken());
      assertLogHolds(log, loads);
      const inLog = new Set(log.map((e) => `${(e.entry.body as { client?: string }).client}/${(e.entry.body as { seq?: number }).seq}`));
      const unanswered = loads.flatMap((l) => l.sent).filter((r) => !r.acked && inLog.has(`${r.client}/${r.seqs[0]}`));
      assert.deepEqual(
        unanswered.map((r) => `${r.client}/${r.seqs.join(',')}`),
        [],
        'requests committed during shutdown whose clients never got a 201 (their connections were closed under them)',
      );
    } finally {
      await server.stop();
    }
  });
});
