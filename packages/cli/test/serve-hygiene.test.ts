import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer } from './helpers/spawn-server.js';

/** What `cairn serve` does with the files it keeps and the port it is given. */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('cairn serve: file modes, permissions, busy port, trust store', () => {
  test('creates the store, its -wal and -shm, the key and the token 0600 (the directory 0700) even with umask 000', { timeout: 60_000 }, async () => {
    const data = path.join(scratch.dir(), 'data');
    const previous = process.umask(0o000); // inherited by the child
    let server;
    try {
      server = await spawnServer({ data });
    } finally {
      process.umask(previous);
    }
    try {
      const files = ['cairn.db', 'cairn.db-wal', 'cairn.db-shm', 'admin-token', 'keys/log-ed25519.pem'];
      for (const f of files) assert.equal(mode(path.join(data, f)).toString(8), '600', f);
      assert.equal(mode(data).toString(8), '700');
      assert.equal(mode(path.join(data, 'keys')).toString(8), '700');
    } finally {
      await server.stop();
    }
  });

  test('refuses (exit 2, naming the file and the fix) a data directory, store, key or token file open to group or others; --fix-permissions tightens them', { timeout: 90_000 }, async () => {
    const data = path.join(scratch.dir(), 'data');
    await (await spawnServer({ data })).stop();
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const cases: [string, number][] = [
      [data, 0o755],
      [path.join(data, 'cairn.db'), 0o644],
      [path.join(data, 'admin-token'), 0o640],
      [path.join(data, 'keys', 'log-ed25519.pem'), 0o604],
    ];
    const args = ['serve', '--data', data, '--listen', '127.0.0.1:0'];
    for (const [file, open] of cases) {
      fs.chmodSync(file, open);
      const r = await runCli(args, { env, timeoutMs: 20_000 });
      assert.equal(r.code, 2, describeRun(args, r));
      assert.ok(r.stderr.includes(`${file} `), `the message does not name ${file}: ${r.stderr}`);
      assert.match(r.stderr, /accessible by its owner only\. Run `chmod (700|600) .*`, or start once with --fix-permissions/);
      assert.doesNotMatch(r.stderr, /Cairn listening/);
      fs.chmodSync(file, fs.statSync(file).isDirectory() ? 0o700 : 0o600);
    }
    for (const [file, open] of cases) fs.chmodSync(file, open);
    const server = await spawnServer({ data, extraArgs: ['--fix-permissions'] });
    try {
      for (const [file] of cases) assert.equal(mode(file) & 0o077, 0, `${file} is still open to others`);
      for (const [file] of cases) assert.ok(server.stderr().includes(`fixed permissions of ${file}:`), `not reported: ${file}`);
    } finally {
      await server.stop();
    }
  });

  test('a port in use exits 3 with a hint, not 70', { timeout: 60_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const args = ['serve', '--data', path.join(scratch.dir(), 'data'), '--listen', `127.0.0.1:${port}`];
      const r = await runCli(args, { env: { CAIRN_CONFIG_DIR: scratch.dir() }, timeoutMs: 20_000 });
      assert.equal(r.code, 3, describeRun(args, r));
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use\\. Pass --listen 127\\.0\\.0\\.1:<another port>`));
      assert.match(r.stderr, /\[address_in_use\]/);
    } finally {
      holder.close();
    }
  });

  test('after a server is recreated, key_changed says how to forget the old key; cairn trust forget does, and trust list shows it', { timeout: 90_000 }, async () => {
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const first = await spawnServer({ data: path.join(scratch.dir(), 'data') });
    const url = first.url;
    const run = (args: string[], token: string) => runCli(['--url', url, ...args], { env: { ...env, CAIRN_TOKEN: token } });
    assert.equal((await run(['log', 'checkpoint'], first.adminToken())).code, 0);
    await first.stop();
    const second = await spawnServer({ data: path.join(scratch.dir(), 'data'), listen: `127.0.0.1:${first.port}` });
    try {
      const token = second.adminToken();
      const listed = await run(['--json', 'trust', 'list'], token);
      assert.deepEqual(listed.json().logs.map((l: { url: string }) => l.url), [url]);
      const changed = await run(['log', 'checkpoint'], token);
      assert.equal(changed.code, 1, describeRun(['log', 'checkpoint'], changed));
      assert.match(changed.stderr, /\[key_changed\]/);
      assert.ok(changed.stderr.includes(`cairn trust forget ${url}`), changed.stderr);
      const forget = await run(['trust', 'forget', url], token);
      assert.equal(forget.code, 0, describeRun(['trust', 'forget', url], forget));
      assert.equal((await run(['--json', 'trust', 'list'], token)).json().logs.length, 0);
      const again = await run(['log', 'checkpoint'], token);
      assert.equal(again.code, 0, describeRun(['log', 'checkpoint'], again));
    } finally {
      await second.stop();
    }
  });
});
