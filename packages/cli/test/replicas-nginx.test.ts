import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { appendLoad, type LoadResult } from './helpers/append-load.js';
import { assertLogHolds, checkpointSize, readLog, signCheckpoint } from './helpers/log-reader.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { PG_URL, Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer } from './helpers/spawn-server.js';

/**
 * Two `cairn serve` replicas on one PostgreSQL schema behind a real nginx load balancer (round
 * robin): clients see one server, and the log they build through it is one consistent log.
 */
const scratch = new Scratch();
let nginx: Nginx | undefined;
after(async () => {
  await nginx?.stop();
  killAllServers();
  await scratch.cleanup();
});

describe('two replicas behind nginx', () => {
  test('concurrent appends through the proxy build one gap-free log that verifies remotely and offline, and both replicas served', { timeout: 180_000 }, async () => {
    assert.ok(PG_URL, 'CAIRN_TEST_DATABASE_URL must point at a PostgreSQL database for this suite');
    const databaseSchema = scratch.schema();
    const keyFile = path.join(scratch.dir(), 'log-ed25519.pem');
    const common = { databaseUrl: PG_URL, databaseSchema, keyFile };
    const a = await spawnServer({ ...common, data: scratch.dir() });
    const b = await spawnServer({ ...common, data: scratch.dir() });
    try {
      nginx = await startNginx(scratch.dir('cairn-nginx-'), [a.port, b.port]);
      const token = a.adminToken();
      const base = (await readLog(nginx.url, token)).length;

      const loads: LoadResult[] = [];
      for (let round = 0; round < 3; round++) {
        const signal = AbortSignal.timeout(60_000); // a backstop: maxEntries ends each round first
        loads.push(await appendLoad({ url: nginx.url, token, clients: 8, prefix: `r${round}-`, maxEntries: 150, signal }));
      }
      for (const load of loads) {
        assert.deepEqual(load.refusals, [], 'appends were refused through the proxy');
        assert.equal(load.transportErrors, 0, 'connections were dropped through the proxy');
      }
      const acked = loads.reduce((n, l) => n + l.acked.length, 0);
      assert.ok(acked >= 450, `only ${acked} entries acknowledged`);

      const size = checkpointSize((await signCheckpoint(nginx.url, token)).note);
      assert.equal(size, base + acked, `checkpoint of size ${size}; ${base} + ${acked} acknowledged entries expected`);
      const log = await readLog(nginx.url, token); // asserts contiguous indices and recomputes leaf hashes
      assert.equal(log.length, size);
      assertLogHolds(log, loads); // every acknowledged entry, once, where the server said

      const posts = nginx.accessLog().filter((l) => / POST \/api\/v1\/entries$/.test(l));
      const byUpstream = new Map<string, number>();
      for (const line of posts) {
        const [upstream, status] = line.split(' ');
        assert.equal(status, '201', line);
        byUpstream.set(upstream!, (byUpstream.get(upstream!) ?? 0) + 1);
      }
      for (const s of [a, b]) assert.ok((byUpstream.get(`127.0.0.1:${s.port}`) ?? 0) > 10, `replica :${s.port} served ${byUpstream.get(`127.0.0.1:${s.port}`) ?? 0} appends: ${JSON.stringify([...byUpstream])}`);

      const env = { CAIRN_CONFIG_DIR: scratch.dir() };
      const remote = ['--url', nginx.url, '--json', 'log', 'verify'];
      const r = await runCli(remote, { env: { ...env, CAIRN_TOKEN: token } });
      assert.equal(r.code, 0, describeRun(remote, r));
      assert.equal(r.json().treeSize, size);
      const offline = ['--json', 'log', 'verify', '--database-url', PG_URL, '--database-schema', databaseSchema];
      const o = await runCli(offline, { env });
      assert.equal(o.code, 0, describeRun(offline, o));
      assert.equal(o.json().ok, true);
      assert.equal(o.json().treeSize, size);
    } finally {
      await nginx?.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
