import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { bannerOf } from './helpers/spawn-server.js';
import { CLI_BIN, childEnv, describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';

const scratch = new Scratch();
after(() => scratch.cleanup());

describe('cairn serve --trust-proxy and --write-rate refuse what they cannot use', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--trust-proxy', '10.0.0.300'], /"10\.0\.0\.300" is neither an IP address nor a CIDR block/],
    [['--trust-proxy', '10.0.0.0/33'], /"10\.0\.0\.0\/33" is neither/],
    [['--trust-proxy', 'proxy.internal'], /"proxy\.internal" is neither/],
    [['--trust-proxy', ','], /expected a comma-separated list/],
    [['--write-rate', 'default=fast'], /"default=fast": expected NAME=N\/s/],
    [['--write-rate', 'wizard=5/s'], /wizard is neither default nor a role/],
    [['--write-rate', 'default=5/s,burst=0'], /burst must be between/],
  ];
  for (const [args, message] of cases) {
    it(`exits 2 on ${args.join(' ')}, creating nothing`, async () => {
      const dir = scratch.dir();
      const argv = ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', ...args];
      const r = await runCli(argv, { env: { CAIRN_CONFIG_DIR: dir }, timeoutMs: 20_000 });
      assert.equal(r.code, 2, describeRun(argv, r));
      assert.match(r.stderr, message);
      assert.ok(!fs.existsSync(path.join(dir, 'data')), 'a data directory was created');
    });
  }
});

describe('cairn serve logs', () => {
  it('writes only JSON lines, the banner among them, and no query value', { timeout: 60_000 }, async () => {
    const dir = scratch.dir();
    const data = path.join(dir, 'data');
    const child = spawn(process.execPath, [CLI_BIN, 'serve', '--data', data, '--listen', '127.0.0.1:0', '--log-level', 'info', '--trust-proxy', '127.0.0.1', '--write-rate', 'default=10/s;service=100/s,burst=1000'], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!bannerOf(stderr) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const banner = bannerOf(stderr);
      assert.ok(banner, `no banner:\n${stderr}`);
      assert.match(banner.logKey, /\+[0-9a-f]{8}\+/);
      const token = fs.readFileSync(path.join(data, 'admin-token'), 'utf8').trim();
      const res = await fetch(`${banner.url}/api/v1/whoami?token=query-secret-value`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const lines = (stdout + stderr).split('\n').filter((l) => l.length > 0);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(messages.some((m) => m.startsWith('Cairn listening on http://127.0.0.1:')));
    assert.ok(messages.includes('SIGTERM: stopping (finishing pending appends, signing a last checkpoint)'));
    assert.ok(stdout.includes('/api/v1/whoami?token'), 'the request was logged');
    assert.ok(!(stdout + stderr).includes('query-secret-value'), 'a query value reached the log');
  });
});
