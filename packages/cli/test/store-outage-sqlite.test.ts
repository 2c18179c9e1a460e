import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { appendEntries } from './helpers/append-load.js';
import { readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/**
 * The embedded store when it cannot write: another process holding SQLite's write lock, and a
 * full disk (a small tmpfs as the data directory). Writes get a clear 503 or 507, reads go on,
 * no batch is half-written, the process stays up and writes work again once the cause is gone.
 */
const scratch = new Scratch();
const mounts: string[] = [];
after(async () => {
  killAllServers();
  await sleep(200); // the killed server's files must be closed before the unmount
  for (const dir of mounts) execFileSync('umount', [dir]);
  await scratch.cleanup();
});

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly at: number;
}

async function post(server: ServerProcess, token: string, entries: unknown[]): Promise<Answer> {
  const res = await fetch(`${server.url}/api/v1/entries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ entries }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after'), at: Date.now() };
}

async function get(server: ServerProcess, token: string, urlPath: string): Promise<{ status: number; at: number }> {
  const res = await fetch(`${server.url}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, at: Date.now() };
}

async function verifyData(data: string): Promise<{ ok: boolean; treeSize: number }> {
  const args = ['--json', 'log', 'verify', '--data', data];
  const run = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
  assert.equal(run.code, 0, describeRun(args, run));
  return run.json();
}

async function metric(server: ServerProcess, token: string, name: string): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('cairn serve on SQLite when the store cannot be written', () => {
  test('another process holds the write lock: appends get 503 unavailable with Retry-After, reads go on, appends resume', { timeout: 60_000 }, async () => {
    const data = scratch.dir();
    const server = await spawnServer({ data });
    const token = server.adminToken();
    const before = await appendEntries(server.url, token, [{ kind: 'custom.before', body: { n: 1 } }]);

    const other = new SqliteDatabase(path.join(data, 'cairn.db'));
    other.exec('begin immediate');
    try {
      const blocked = post(server, token, [{ kind: 'custom.blocked', body: { n: 2 } }]);
      await sleep(500);
      const read = await get(server, token, `/api/v1/log/entries/${before.entries[0]!.index}`);
      const answer = await blocked;
      assert.equal(read.status, 200, 'a read failed while the write lock was held elsewhere');
      assert.ok(read.at < answer.at, 'the read waited for the blocked append: the event loop was stalled');
      assert.equal(answer.status, 503);
      assert.equal(answer.code, 'unavailable');
      assert.ok(Number(answer.retryAfter) > 0, `Retry-After: ${answer.retryAfter}`);
    } finally {
      other.exec('rollback');
      other.close();
    }
    const after = await post(server, token, [{ kind: 'custom.after', body: { n: 3 } }]);
    assert.equal(after.status, 201, 'the append after the lock was released failed');
    assert.ok((await metric(server, token, 'cairn_store_unavailable_total{code="unavailable"}')) >= 1);

    const log = await readLog(server.url, token);
    assert.deepEqual(log.map((e) => e.entry.kind).filter((k) => k.startsWith('custom.')), ['custom.before', 'custom.after'], 'the refused append left something behind');
    assert.equal(server.stderr().includes('Error'), false, server.stderr());
    await signCheckpoint(server.url, token);
    assert.equal((await server.stop()).code, 0, server.stderr());
    assert.equal((await verifyData(data)).ok, true);
  });

  test('a full disk: appends get 507 store_full, nothing half-written, reads go on, appends resume once space is freed', { timeout: 120_000 }, async (t) => {
    const mount = scratch.dir('cairn-full-disk-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test mounts an 8 MB tmpfs to fill, which needs root (CI runs as root): ${(err as { stderr?: Buffer }).stderr?.toString().trim()}`, { cause: err });
    }
    mounts.push(mount);
    const data = path.join(mount, 'data');
    const server = await spawnServer({ data });
    const token = server.adminToken();

    // Leave about 1.5 MB free, then append ~200 KB requests until the disk is full.
    const filler = path.join(mount, 'filler');
    const free = () => Number(fs.statfsSync(mount).bavail) * Number(fs.statfsSync(mount).bsize);
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 1_500_000)));
    const blob = 'x'.repeat(40_000);
    const answers: Answer[] = [];
    const acked: number[] = [];
    for (let i = 0; i < 60 && answers.filter((a) => a.status === 507).length < 3; i += 1) {
      const entries = Array.from({ length: 5 }, (_, j) => ({ kind: 'custom.fill', body: { request: i, part: j, blob } }));
      const answer = await post(server, token, entries);
      answers.push(answer);
      if (answer.status === 201) acked.push(i);
    }
    t.diagnostic(`answers ${answers.map((a) => a.status).join(' ')}`);
    assert.deepEqual([...new Set(answers.map((a) => `${a.status} ${a.code ?? ''}`.trim()))].sort(), ['201', '507 store_full'], 'answers other than 201 and 507 store_full');
    assert.ok(acked.length > 0, 'the disk was full before the first append');

    // Reads go on, and the log holds every acknowledged request whole and nothing of the refused ones.
    assert.equal((await get(server, token, '/api/v1/log/checkpoint')).status, 200);
    const log = await readLog(server.url, token);
    const requests = log.filter((e) => e.entry.kind === 'custom.fill').map((e) => e.entry.body as { request: number; part: number });
    assert.deepEqual(
      requests.map((b) => `${b.request}.${b.part}`),
      acked.flatMap((i) => [0, 1, 2, 3, 4].map((j) => `${i}.${j}`)),
      'the log does not hold exactly the acknowledged requests, each whole',
    );
    assert.equal((await verifyData(data)).ok, true);
    assert.ok((await metric(server, token, 'cairn_store_unavailable_total{code="store_full"}')) >= 1);

    fs.rmSync(filler);
    const again = await post(server, token, [{ kind: 'custom.after', body: { n: 1 } }]);
    assert.equal(again.status, 201, 'appends did not resume once space was freed');
    await signCheckpoint(server.url, token);
    assert.equal(server.stderr().includes('Error'), false, server.stderr());
    assert.equal((await server.stop()).code, 0, server.stderr());
    const audit = await verifyData(data);
    assert.equal(audit.ok, true);
    assert.equal(audit.treeSize, log.length + 1);
  });
});
