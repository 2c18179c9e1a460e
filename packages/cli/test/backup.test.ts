import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { appendEntries, appendLoad } from './helpers/append-load.js';
import { latestCheckpoint, readLog, signCheckpoint } from './helpers/log-reader.js';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer } from './helpers/spawn-server.js';

/**
 * `cairn backup` snapshots the embedded store of a running server; `cairn restore` brings it
 * back into a new data directory only if it does not fork a checkpoint already published.
 */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

const cli = async (args: string[], env: Record<string, string | undefined>, expected: number) => {
  const r = await runCli(args, { env, timeoutMs: 60_000 });
  assert.equal(r.code, expected, describeRun(args, r));
  return r;
};

describe('cairn backup and cairn restore (embedded store)', () => {
  test('a backup taken while appends run restores into a store that audits and serves every entry it held', { timeout: 120_000 }, async () => {
    const data = path.join(scratch.dir(), 'data');
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const server = await spawnServer({ data });
    const token = server.adminToken();
    const archive = path.join(scratch.dir(), 'cairn.tar');
    let backup: { treeSize: number; includesKey: boolean; files: { path: string }[] };
    const stop = new AbortController();
    const load = appendLoad({ url: server.url, token, clients: 4, prefix: 'w', signal: stop.signal });
    try {
      while ((await readLog(server.url, token)).length < 200) await new Promise((r) => setTimeout(r, 50));
      const r = await cli(['--json', 'backup', '--data', data, '-o', archive], env, 0);
      backup = r.json();
      await new Promise((r) => setTimeout(r, 300)); // appends go on after the snapshot
    } finally {
      stop.abort();
    }
    const result = await load;
    assert.deepEqual(result.refusals, []);
    assert.equal(result.transportErrors, 0);
    assert.equal(fs.statSync(archive).mode & 0o777, 0o600, 'the archive is not mode 0600');
    assert.equal(backup.includesKey, false);
    assert.deepEqual(backup.files.map((f) => f.path), ['cairn.db'], 'the signing key went into the archive without --include-key');
    const live = await readLog(server.url, token);
    assert.ok(backup.treeSize >= 200 && backup.treeSize < live.length, `snapshot of ${backup.treeSize} entries, live log ${live.length}: not taken mid-load`);

    const restored = path.join(scratch.dir(), 'restored');
    const r = await cli(['--json', 'restore', archive, '--data', restored], env, 0);
    assert.equal(r.json().treeSize, backup.treeSize);
    assert.equal(fs.statSync(restored).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(restored, 'cairn.db')).mode & 0o777, 0o600);
    const audit = await cli(['--json', 'log', 'verify', '--data', restored], env, 0);
    assert.equal(audit.json().ok, true);
    assert.equal(audit.json().treeSize, backup.treeSize);

    // The restored store is the live log's prefix, entry for entry, and a server serves it.
    const again = await spawnServer({ data: restored, keyFile: path.join(data, 'keys', 'log-ed25519.pem') });
    try {
      const served = await readLog(again.url, token); // tokens are in the store: the same admin token works
      assert.deepEqual(served.map((e) => e.leafHash), live.slice(0, backup.treeSize).map((e) => e.leafHash));
    } finally {
      await again.stop();
      await server.stop();
    }
  });

  test('a streamed manifest (a file beside the store) goes into the backup and comes back with it', { timeout: 120_000 }, async () => {
    const data = path.join(scratch.dir(), 'data');
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const server = await spawnServer({ data });
    const token = server.adminToken();
    const list = path.join(scratch.dir(), 'objects.tsv');
    // 8,000 objects: above the SDK's threshold, so the CLI streams the manifest (NDJSON).
    fs.writeFileSync(list, Array.from({ length: 8000 }, (_, i) => `${String(i % 10).repeat(64)} ${1000 + i} p/${String(i).padStart(6, '0')}.bin`).join('\n') + '\n');
    const registered = await cli(['--url', server.url, '--token', token, '--json', 'dataset', 'register', '--name', 'streamed', '--list', list, '--class', 'internal', '--owner', 'x'], env, 0);
    const digest = registered.json().digest as string;
    const manifest = await (await fetch(`${server.url}/api/v1/datasets/${digest}/manifest`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.equal(fs.readdirSync(path.join(data, 'manifests')).length, 1, 'the manifest is a file beside the store');
    const archive = path.join(scratch.dir(), 'cairn.tar');
    const backup = (await cli(['--json', 'backup', '--data', data, '-o', archive], env, 0)).json() as { files: { path: string }[] };
    assert.ok(backup.files.some((f) => /^manifests\/[0-9a-f-]{36}\.json$/.test(f.path)), JSON.stringify(backup.files));
    await server.stop();
    const restored = path.join(scratch.dir(), 'restored');
    await cli(['restore', archive, '--data', restored], env, 0);
    const again = await spawnServer({ data: restored, keyFile: path.join(data, 'keys', 'log-ed25519.pem') });
    try {
      const served = await fetch(`${again.url}/api/v1/datasets/${digest}/manifest`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(served.status, 200);
      assert.equal(await served.text(), manifest);
    } finally {
      await again.stop();
    }
  });

  test('a backup behind a published checkpoint is refused (exit 1), and restored with --force --reason, which the ledger records', { timeout: 120_000 }, async () => {
    const data = path.join(scratch.dir(), 'data');
    const config = scratch.dir();
    const env = { CAIRN_CONFIG_DIR: config };
    const server = await spawnServer({ data });
    const token = server.adminToken();
    const archive = path.join(scratch.dir(), 'old.tar');
    const keyFile = path.join(data, 'keys', 'log-ed25519.pem');
    try {
      await appendEntries(server.url, token, [{ kind: 'custom.before', body: { n: 1 } }]);
      await cli(['backup', '--data', data, '-o', archive], env, 0);
      await appendEntries(server.url, token, [{ kind: 'custom.after', body: { n: 2 } }]);
      const published = await signCheckpoint(server.url, token);
      const noteFile = path.join(scratch.dir(), 'checkpoint.txt');
      fs.writeFileSync(noteFile, published.note);

      // Each source of a published checkpoint: a file, a running server, the trust store.
      const sources: [string, string[], Record<string, string>][] = [
        ['a checkpoint file', ['--checkpoint', noteFile], env],
        ['a running server', ['--checkpoint', server.url], { ...env, CAIRN_TOKEN: token }],
        ['the global --url', ['--url', server.url], { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_TOKEN: token }], // a fresh trust store
        ['the trust store', [], env], // the run above trusted the server's latest checkpoint
      ];
      for (const [name, extra, runEnv] of sources) {
        const target = path.join(scratch.dir(), 'target');
        const r = await cli(['restore', archive, '--data', target, ...extra], runEnv, 1);
        assert.match(r.stderr, /\[backup_behind_checkpoint\]/, name);
        assert.match(r.stderr, new RegExp(`checkpoint of size ${published.size} was already published`), name);
        assert.equal(fs.existsSync(target), false, `a refused restore from ${name} left ${target}`);
        assert.deepEqual(fs.readdirSync(path.dirname(target)), [], `a refused restore from ${name} left files beside the target`);
      }
      const list = await cli(['--json', 'trust', 'list'], env, 0);
      assert.deepEqual(list.json().logs.map((l: { url: string }) => l.url), [server.url]);

      const target = path.join(scratch.dir(), 'forced');
      const forced = await cli(['--json', 'restore', archive, '--data', target, '--checkpoint', noteFile, '--force', '--reason', 'INC-7: disk lost'], env, 0);
      assert.equal(forced.json().forced.publishedSize, published.size);
      await server.stop();

      const restored = await spawnServer({ data: target, keyFile });
      try {
        const log = await readLog(restored.url, token);
        const record = log.at(-1)!;
        assert.equal(record.entry.kind, 'store.restored_behind_checkpoint');
        assert.equal(record.entry.body['reason'], 'INC-7: disk lost');
        assert.equal(record.entry.body['publishedSize'], published.size);
        assert.equal(log.filter((e) => e.entry.kind === 'custom.after').length, 0);
        assert.notEqual(await latestCheckpoint(restored.url, token), published.note);
      } finally {
        await restored.stop();
      }
      // Recorded once: a second start appends nothing more.
      const second = await spawnServer({ data: target, keyFile });
      try {
        assert.equal((await readLog(second.url, token)).filter((e) => e.entry.kind === 'store.restored_behind_checkpoint').length, 1);
      } finally {
        await second.stop();
      }
    } finally {
      await server.stop();
    }
  });

  test('a checkpoint of another log, a tampered archive or a forked history is refused and leaves nothing', { timeout: 120_000 }, async () => {
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const [a, b] = [path.join(scratch.dir(), 'a'), path.join(scratch.dir(), 'b')];
    const sa = await spawnServer({ data: a });
    const sb = await spawnServer({ data: b, keyFile: path.join(a, 'keys', 'log-ed25519.pem'), origin: 'fork.example/log' });
    const archive = path.join(scratch.dir(), 'a.tar');
    try {
      await appendEntries(sa.url, sa.adminToken(), [{ kind: 'custom.a', body: { n: 1 } }]);
      await cli(['backup', '--data', a, '-o', archive], env, 0);
      const other = path.join(scratch.dir(), 'other.txt');
      fs.writeFileSync(other, (await signCheckpoint(sb.url, sb.adminToken())).note);
      const target = path.join(scratch.dir(), 'target');
      const r = await cli(['restore', archive, '--data', target, '--checkpoint', other], env, 1);
      assert.match(r.stderr, /\[checkpoint_invalid\]/);
      assert.equal(fs.existsSync(target), false);

      // Same log, same size, other history: a fork, which --force never lets through.
      await appendEntries(sa.url, sa.adminToken(), [{ kind: 'custom.a', body: { n: 2 } }]);
      const forkData = path.join(scratch.dir(), 'fork');
      await cli(['restore', archive, '--data', forkData], env, 0);
      const size = (await signCheckpoint(sa.url, sa.adminToken())).size;
      const fork = await spawnServer({ data: forkData, keyFile: path.join(a, 'keys', 'log-ed25519.pem') });
      try {
        await appendEntries(fork.url, sa.adminToken(), [{ kind: 'custom.fork', body: { n: 2 } }]);
        const forked = path.join(scratch.dir(), 'forked.tar');
        const s = await signCheckpoint(fork.url, sa.adminToken());
        assert.equal(s.size, size);
        await fork.stop();
        await cli(['backup', '--data', forkData, '-o', forked], env, 0);
        const published = path.join(scratch.dir(), 'published.txt');
        fs.writeFileSync(published, await latestCheckpoint(sa.url, sa.adminToken()));
        const f = await cli(['restore', forked, '--data', target, '--checkpoint', published, '--force', '--reason', 'try'], env, 1);
        assert.match(f.stderr, /\[backup_forks_checkpoint\]/);
        assert.equal(fs.existsSync(target), false);
      } finally {
        await fork.stop();
      }

      // One flipped byte in the store member: the archive no longer matches backup.json.
      const bytes = fs.readFileSync(archive);
      const at = bytes.indexOf(Buffer.from('SQLite format 3')) + 2000;
      bytes[at] = bytes[at]! ^ 0xff;
      const tampered = path.join(scratch.dir(), 'tampered.tar');
      fs.writeFileSync(tampered, bytes);
      const t = await cli(['restore', tampered, '--data', target], env, 1);
      assert.match(t.stderr, /\[backup_corrupt\]/);
      assert.equal(fs.existsSync(target), false);
    } finally {
      await Promise.all([sa.stop(), sb.stop()]);
    }
  });

  test('--include-key puts the signing key in the archive; the restored directory then starts on its own', { timeout: 60_000 }, async () => {
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const data = path.join(scratch.dir(), 'data');
    const server = await spawnServer({ data });
    const token = server.adminToken();
    await appendEntries(server.url, token, [{ kind: 'custom.k', body: { n: 1 } }]);
    const archive = path.join(scratch.dir(), 'with-key.tar');
    const r = await cli(['--json', 'backup', '--data', data, '-o', archive, '--include-key'], env, 0);
    await server.stop();
    assert.deepEqual(r.json().files.map((f: { path: string }) => f.path), ['cairn.db', 'keys/log-ed25519.pem']);
    const restored = path.join(scratch.dir(), 'restored');
    await cli(['restore', archive, '--data', restored], env, 0);
    const key = path.join(restored, 'keys', 'log-ed25519.pem');
    assert.equal(mode(key), 0o600);
    assert.deepEqual(fs.readFileSync(key), fs.readFileSync(path.join(data, 'keys', 'log-ed25519.pem')));
    const again = await spawnServer({ data: restored });
    try {
      assert.ok((await readLog(again.url, token)).some((e) => e.entry.kind === 'custom.k'));
    } finally {
      await again.stop();
    }
  });

  test('bad flags and files exit 2 and write nothing', { timeout: 60_000 }, async () => {
    const dir = scratch.dir();
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const data = path.join(dir, 'data');
    const server = await spawnServer({ data });
    await server.stop();
    const archive = path.join(dir, 'ok.tar');
    await cli(['backup', '--data', data, '-o', archive], env, 0);
    const existing = path.join(dir, 'existing.tar');
    fs.writeFileSync(existing, 'keep me');
    const notTar = path.join(dir, 'not.tar');
    fs.writeFileSync(notTar, 'hello');
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'x'), '');
    const before = fs.readdirSync(dir).sort();
    const cases: [string, string[], RegExp][] = [
      ['backup without -o', ['backup', '--data', data], /required option '-o, --output <file>'/],
      ['backup over an existing file', ['backup', '--data', data, '-o', existing], /exists; refusing to overwrite it/],
      ['backup into a missing directory', ['backup', '--data', data, '-o', path.join(dir, 'no', 'x.tar')], /is not a directory/],
      ['--key-file without --include-key', ['backup', '--data', data, '-o', path.join(dir, 'k.tar'), '--key-file', 'k.pem'], /only for --include-key/],
      ['restore of a file that is not a backup', ['restore', notTar, '--data', path.join(dir, 'r')], /\[not_a_backup\]/],
      ['restore of a missing file', ['restore', path.join(dir, 'missing.tar'), '--data', path.join(dir, 'r')], /is not a file/],
      ['restore into a non-empty directory', ['restore', archive, '--data', full], /not an empty directory/],
      ['--force without --reason', ['restore', archive, '--data', path.join(dir, 'r'), '--force'], /--force needs --reason/],
      ['--reason without --force', ['restore', archive, '--data', path.join(dir, 'r'), '--reason', 'x'], /only for --force/],
      ['an unreadable checkpoint file', ['restore', archive, '--data', path.join(dir, 'r'), '--checkpoint', path.join(dir, 'nope.txt')], /cannot read checkpoint file/],
      ['trust forget of an unknown URL', ['trust', 'forget', 'http://nowhere.example'], /no trusted server has the URL/],
    ];
    for (const [name, args, message] of cases) {
      const r = await cli(args, env, 2);
      assert.match(r.stderr, message, name);
    }
    const none = await cli(['backup', '--data', path.join(dir, 'nothing'), '-o', path.join(dir, 'n.tar')], env, 3);
    assert.match(none.stderr, /no embedded Cairn store at .*pg_basebackup/);
    assert.deepEqual(fs.readdirSync(dir).sort(), before, 'a refused command left files behind');
    assert.equal(fs.readFileSync(existing, 'utf8'), 'keep me');
    assert.deepEqual(fs.readdirSync(full), ['x']);
  });
});
