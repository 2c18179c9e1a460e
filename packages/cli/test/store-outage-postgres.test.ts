import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { appendEntries, appendLoad } from './helpers/append-load.js';
import { DedicatedDatabase } from './helpers/dedicated-database.js';
import { assertLogHolds, readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/**
 * A database that goes away under load: `cairn serve` on PostgreSQL while its backends are
 * terminated again and again (what a restart, a failover or an idle cut does) and while the
 * database refuses new connections for a few seconds. The process must stay up, answer every
 * request (201, or 503 with Retry-After), lose no acknowledged entry, and serve again by itself.
 */
const scratch = new Scratch();
let database: DedicatedDatabase | undefined;
after(async () => {
  killAllServers();
  await database?.drop();
  await scratch.cleanup();
});

async function metric(server: ServerProcess, token: string, name: string): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

/** Appends once the store is back; the outage is over when one append is acknowledged. */
async function appendWhenBack(server: ServerProcess, token: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await appendEntries(server.url, token, [{ kind: 'custom.after', body: { attempt } }]);
      return;
    } catch (err) {
      if (attempt >= 100 || !/→ 503 /.test((err as Error).message)) throw err;
      await sleep(100);
    }
  }
}

describe('cairn serve while PostgreSQL drops its connections', () => {
  test('terminated backends and a database closed for seconds: no exit, every request answered, no acknowledged entry lost', { timeout: 180_000 }, async (t) => {
    database = await DedicatedDatabase.create();
    const data = scratch.dir();
    const server = await spawnServer({ data, databaseUrl: database.url });
    const token = server.adminToken();
    let exitedEarly = false;
    void server.exited.then(() => (exitedEarly = true));

    const stop = new AbortController();
    const load = appendLoad({ url: server.url, token, clients: 8, prefix: 'pg', signal: stop.signal, maxEntries: 10_000, continueAfterUnavailableMs: 20 });
    const deadline = setTimeout(() => stop.abort(), 60_000);

    let terminated = 0;
    for (let round = 0; round < 5; round += 1) {
      await sleep(300 + Math.floor(Math.random() * 300));
      terminated += await database.terminateCairnBackends();
    }
    await sleep(300);
    await database.close();
    await sleep(3_000);
    const loadOutlastedOutage = (await Promise.race([load, sleep(0)])) === undefined;
    await database.reopen();
    await appendWhenBack(server, token);
    await sleep(1_000); // let the loaders append after the outage too
    stop.abort();
    clearTimeout(deadline);
    const result = await load;
    t.diagnostic(`backends terminated ${terminated}, acknowledged ${result.acked.length}, 503 answers ${result.unavailable}`);

    assert.equal(exitedEarly, false, `cairn serve exited during the outage:\n${server.stderr()}`);
    assert.ok(loadOutlastedOutage, 'the load ended before the database was reopened');
    assert.ok(terminated > 0, 'no Cairn backend was found to terminate');
    assert.equal(result.transportErrors, 0, 'a request got no HTTP answer (connection reset or hang)');
    assert.deepEqual(result.refusals, [], 'answers other than 201 or 503 unavailable with Retry-After');
    assert.ok(result.unavailable > 0, 'no request was answered 503 while the database was closed');
    assert.ok(result.acked.length > 0, 'nothing was acknowledged');

    const log = await readLog(server.url, token);
    assertLogHolds(log, [result]);
    assert.ok((await metric(server, token, 'cairn_store_unavailable_total{code="unavailable"}')) > 0, 'the outage is not in cairn_store_unavailable_total');
    assert.ok((await metric(server, token, 'cairn_store_connections_lost_total')) > 0, 'no lost connection was counted');
    assert.equal(await metric(server, token, 'cairn_store_up'), 1);

    const size = (await signCheckpoint(server.url, token)).size;
    assert.ok(size >= log.length, `checkpoint at ${size}, below the ${log.length} entries read`);
    const remoteArgs = ['--url', server.url, '--json', 'log', 'verify'];
    const remote = await runCli(remoteArgs, { env: { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_TOKEN_FILE: `${data}/admin-token` } });
    assert.equal(remote.code, 0, describeRun(remoteArgs, remote));
    assert.equal(remote.json().ok, true);

    const exit = await server.stop();
    assert.equal(exit.code, 0, `graceful stop failed:\n${server.stderr()}`);
    const offlineArgs = ['--json', 'log', 'verify', '--database-url', database.url];
    const offline = await runCli(offlineArgs, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
    assert.equal(offline.code, 0, describeRun(offlineArgs, offline));
    assert.equal(offline.json().ok, true, describeRun(offlineArgs, offline));
    assert.ok(offline.json().entriesChecked >= log.length);
  });
});
