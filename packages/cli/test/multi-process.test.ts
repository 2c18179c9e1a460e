import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { CairnClient } from '@cairn/sdk';
import { verifyCheckpoint } from '@cairn/verify';
import { appendEntries, appendLoad } from './helpers/append-load.js';
import { assertLogHolds, checkpointSize, latestCheckpoint, readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { PG_URL, Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, spawnServerExpectingFailure, type ServeOptions, type ServerProcess } from './helpers/spawn-server.js';

/**
 * Several `cairn serve` processes may share one PostgreSQL schema (and its signing key): they
 * must extend one tree, never hand out an index twice, and never sign two views of it.
 */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

function pgUrl(): string {
  assert.ok(PG_URL, 'CAIRN_TEST_DATABASE_URL must point at a PostgreSQL database for this suite');
  return PG_URL;
}

/** Collects every distinct checkpoint note the servers serve until stopped. */
function pollCheckpoints(urls: readonly string[], token: string, signal: AbortSignal): { notes: Set<string>; done: Promise<void> } {
  const notes = new Set<string>();
  const done = (async () => {
    while (!signal.aborted) {
      for (const url of urls) {
        const res = await fetch(`${url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.text();
        if (res.status === 200) notes.add(text);
        else assert.equal(res.status, 404, `GET checkpoint from ${url}: ${res.status} ${text}`); // log_empty before the first append
      }
      await sleep(20);
    }
  })();
  done.catch(() => undefined); // awaited later; a failure must not surface as an unhandled rejection first
  return { notes, done };
}

describe('two `cairn serve` processes on one PostgreSQL schema', () => {
  test('extend one contiguous log and sign only mutually consistent checkpoints', { timeout: 150_000 }, async (t) => {
    const databaseUrl = pgUrl();
    const databaseSchema = scratch.schema();
    const keyFile = path.join(scratch.dir(), 'log-ed25519.pem');
    const common = { databaseUrl, databaseSchema, keyFile } satisfies Partial<ServeOptions>;
    // Started one after the other: the first creates the schema, the key and the admin token.
    const a = await spawnServer({ ...common, data: scratch.dir() });
    assert.ok(fs.existsSync(keyFile), 'the first server did not create the key file');
    const b = await spawnServer({ ...common, data: scratch.dir() });
    try {
      const token = a.adminToken(); // tokens live in the shared store, so it works on both
      const keys = await Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/api/v1/log/key`, { headers: { authorization: `Bearer ${token}` } })).json()));
      assert.deepEqual(keys[0], keys[1], 'the two servers present different log identities');
      const verifierKey = (keys[0] as { verifierKey: string }).verifierKey;
      const base = (await readLog(a.url, token)).length; // entries Cairn wrote itself at first start

      const stop = new AbortController();
      const poll = pollCheckpoints([a.url, b.url], token, stop.signal);
      const signal = AbortSignal.timeout(90_000); // a backstop: maxEntries ends the load long before
      const [loadA, loadB] = await Promise.all([
        appendLoad({ url: a.url, token, clients: 8, prefix: 'a', maxEntries: 1500, signal }),
        appendLoad({ url: b.url, token, clients: 8, prefix: 'b', maxEntries: 1500, signal }),
      ]);
      stop.abort();
      await poll.done;
      for (const [name, load] of [['a', loadA], ['b', loadB]] as const) {
        assert.deepEqual(load.refusals, [], `server ${name} refused appends`);
        assert.equal(load.transportErrors, 0, `server ${name} dropped connections`);
      }
      const acked = loadA.acked.length + loadB.acked.length;

      // Quiescent: each signs at the current size; then both serve the same latest checkpoint.
      await signCheckpoint(a.url, token);
      await signCheckpoint(b.url, token);
      const [finalA, finalB] = await Promise.all([latestCheckpoint(a.url, token), latestCheckpoint(b.url, token)]);
      assert.equal(finalA, finalB, 'the two servers serve different latest checkpoints');
      const size = checkpointSize(finalA);
      assert.equal(size, base + acked, `the final checkpoint has size ${size}: ${base} + ${acked} acknowledged entries expected (all requests were)`);

      const [logA, logB] = await Promise.all([readLog(a.url, token), readLog(b.url, token)]);
      assert.equal(logA.length, size);
      assert.deepEqual(logA.map((e) => e.leafHash), logB.map((e) => e.leafHash), 'the servers serve different entries');
      assertLogHolds(logA, [loadA, loadB]);
      const fromA = new Set(loadA.acked.map((e) => e.index));
      const switches = logA.filter((e, i) => i > 0 && fromA.has(e.index) !== fromA.has(i - 1)).length;
      t.diagnostic(`${size} entries, ${switches} switches between the writers, ${poll.notes.size} distinct checkpoints polled`);
      assert.ok(switches > 10, 'the two servers did not write concurrently');

      // Every checkpoint either server signed during the run: a valid signature, one note per
      // size, stored, and consistent with the final one (RFC 9162 §2.1.4 proof, verified locally).
      const final = verifyCheckpoint(finalA, verifierKey);
      const bySize = new Map<number, string>();
      for (const note of poll.notes) {
        const cp = verifyCheckpoint(note, verifierKey);
        assert.equal(bySize.get(cp.size) ?? note, note, `two different checkpoints signed for size ${cp.size}`);
        bySize.set(cp.size, note);
      }
      assert.ok(bySize.size >= 3, `only ${bySize.size} checkpoint sizes were seen during the load`);
      const clients = [a, b].map((s) => new CairnClient({ url: s.url, token, verifierKey }));
      let n = 0;
      for (const [cpSize, note] of bySize) {
        const client = clients[n++ % 2]!;
        const stored = await fetch(`${client.url}/api/v1/log/checkpoints/${cpSize}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(await stored.text(), note, `checkpoint ${cpSize} is served differently from what was polled`);
        await client.proveConsistency(verifyCheckpoint(note, verifierKey), final);
      }

      // The same through the CLI, from the smallest polled size to the final one.
      const smallest = Math.min(...bySize.keys());
      const args = ['--url', b.url, '--json', 'log', 'consistency', String(smallest), String(size)];
      const cli = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_TOKEN: token } });
      assert.equal(cli.code, 0, describeRun(args, cli));
      assert.equal(cli.json().verified, true);

      const verifyArgs = ['--json', 'log', 'verify', '--database-url', databaseUrl, '--database-schema', databaseSchema];
      const audit = await runCli(verifyArgs, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
      assert.equal(audit.code, 0, describeRun(verifyArgs, audit));
      assert.equal(audit.json().ok, true);
      assert.equal(audit.json().treeSize, size);
      assert.ok(audit.json().checkpointsChecked >= bySize.size, 'the audit saw fewer checkpoints than were polled');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const exits = await Promise.all([a.exited, b.exited]);
    assert.deepEqual(exits.map((e) => e.code), [0, 0], `graceful stop failed:\n${a.stderr()}\n${b.stderr()}`);
  });

  test('a server with a different signing key refuses to start on the schema', { timeout: 60_000 }, async () => {
    const databaseUrl = pgUrl();
    const databaseSchema = scratch.schema();
    const first = await spawnServer({ data: scratch.dir(), databaseUrl, databaseSchema, keyFile: path.join(scratch.dir(), 'log.pem') });
    const token = first.adminToken();
    await appendEntries(first.url, token, [{ kind: 'custom.x', body: { n: 1 } }]);
    const before = await signCheckpoint(first.url, token);

    const other = await spawnServerExpectingFailure({ data: scratch.dir(), databaseUrl, databaseSchema, keyFile: path.join(scratch.dir(), 'other.pem') });
    assert.equal(other.listened, false, `a server with another key started:\n${other.stderr}`);
    assert.notEqual(other.code, 0, `exit ${other.code}:\n${other.stderr}`);
    assert.equal(other.signal, null, `it crashed instead of refusing:\n${other.stderr}`);
    assert.match(other.stderr, /key/i);

    // The running log is untouched and still signs with its own key.
    assert.equal(await latestCheckpoint(first.url, token), before.note);
    assert.equal((await first.stop()).code, 0);
  });

  test('two processes started at the same moment on an empty schema both come up as one log', { timeout: 60_000 }, async () => {
    // Replicas started together by an orchestrator: the signing key is provisioned beforehand and
    // the origin given, so nothing but the start-up itself (schema, migrations, bootstrap) races.
    const databaseUrl = pgUrl();
    const databaseSchema = scratch.schema();
    const keyFile = path.join(scratch.dir(), 'log.pem');
    fs.writeFileSync(keyFile, crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const serve = () => ({ data: scratch.dir(), databaseUrl, databaseSchema, keyFile, origin: 'cairn.test/replicas' });
    const started = await Promise.allSettled([spawnServer(serve()), spawnServer(serve())]);
    const failures = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failures, [], 'a replica failed to start');
    const [a, b] = started.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof spawnServer>>>).value) as [ServerProcess, ServerProcess];
    try {
      const token = [a, b].flatMap((s) => (fs.existsSync(path.join(s.data, 'admin-token')) ? [s.adminToken()] : []))[0];
      assert.ok(token, 'neither replica wrote a bootstrap admin token');
      await appendEntries(a.url, token, [{ kind: 'custom.x', body: { from: 'a' } }]);
      await appendEntries(b.url, token, [{ kind: 'custom.x', body: { from: 'b' } }]);
      const signed = await signCheckpoint(b.url, token);
      assert.equal(await latestCheckpoint(a.url, token), signed.note);
      const args = ['--json', 'log', 'verify', '--database-url', databaseUrl, '--database-schema', databaseSchema];
      const audit = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
      assert.equal(audit.code, 0, describeRun(args, audit));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
