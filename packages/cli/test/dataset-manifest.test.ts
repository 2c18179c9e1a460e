import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { manifestDigest } from '@cairn/verify';
import { describeRun, runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer } from './helpers/spawn-server.js';

const scratch = new Scratch();
after(() => scratch.cleanup());
const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

describe('cairn dataset manifest', () => {
  it('hashes a folder (streamed, nested, sorted) to the digest anyone can recompute', async () => {
    const dir = scratch.dir();
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    fs.mkdirSync(path.join(dir, 'b'), { recursive: true });
    const files: Record<string, Buffer> = { 'a.csv': Buffer.from('id,x\n1,2\n'), 'b/big.bin': crypto.randomBytes(3 * 1024 * 1024 + 7), 'b/empty': Buffer.alloc(0) };
    for (const [p, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, p), data);
    const out = path.join(scratch.dir(), 'm.json');
    const r = await runCli(['dataset', 'manifest', '--dir', dir, '-o', out, '--json'], { env });
    assert.equal(r.code, 0, describeRun([], r));
    const expected = Object.entries(files).map(([p, data]) => ({ path: p, size: data.length, sha256: sha(data) }));
    assert.equal(r.json().digest, manifestDigest(expected));
    const written = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(written.objects, expected);
    assert.equal(written.digest, manifestDigest(expected));
    const field = await runCli(['dataset', 'manifest', dir, '--field', 'digest'], { env });
    assert.equal(field.stdout.trim(), manifestDigest(expected));
  });

  it('refuses a bad list file naming every offending line, and a symlink', async () => {
    const dir = scratch.dir();
    const env = { CAIRN_CONFIG_DIR: scratch.dir() };
    const good = sha('x');
    fs.writeFileSync(
      path.join(dir, 'list.txt'),
      ['# objects in the lake', `${good} 10 s3://lake/a.parquet`, '', `${good} -3 s3://lake/b.parquet`, `${good} 10 s3://lake/a.parquet`, `XYZ 4 s3://lake/c.parquet`].join('\n'),
    );
    const r = await runCli(['dataset', 'manifest', '--list', path.join(dir, 'list.txt')], { env });
    assert.equal(r.code, 2, describeRun([], r));
    assert.match(r.stderr, /list\.txt:4: s3:\/\/lake\/b\.parquet: size -3 is not a non-negative integer/);
    assert.match(r.stderr, /list\.txt:5: s3:\/\/lake\/a\.parquet: duplicate path \(first at 1\)/);
    assert.match(r.stderr, /list\.txt:6: s3:\/\/lake\/c\.parquet: sha256 "xyz" is not 64 lowercase hex digits/);
    assert.match(r.stderr, /\[manifest_invalid\]/);

    fs.writeFileSync(path.join(dir, 'ok.txt'), `${good} 10 s3://lake/a.parquet\n${sha('y')} 0 s3://lake/empty\n`);
    const ok = await runCli(['dataset', 'manifest', '--list', path.join(dir, 'ok.txt'), '--json', '-o', path.join(dir, 'm.json')], { env });
    assert.equal(ok.code, 0, describeRun([], ok));
    assert.equal(ok.json().digest, manifestDigest([{ path: 's3://lake/a.parquet', size: 10, sha256: good }, { path: 's3://lake/empty', size: 0, sha256: sha('y') }]));

    const linked = scratch.dir();
    fs.writeFileSync(path.join(linked, 'real'), 'x');
    fs.symlinkSync(path.join(linked, 'real'), path.join(linked, 'link'));
    const sym = await runCli(['dataset', 'manifest', linked], { env });
    assert.equal(sym.code, 2);
    assert.match(sym.stderr, /symbolic link/);
    const missing = await runCli(['dataset', 'manifest', path.join(dir, 'nope')], { env });
    assert.equal(missing.code, 2);
  });
});

describe('cairn dataset register with a large list', () => {
  after(() => killAllServers());

  it('streams a list of more objects than one JSON body should carry, to the digest anyone can recompute', async () => {
    const data = scratch.dir();
    const server = await spawnServer({ data });
    try {
      const env = { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_URL: server.url, CAIRN_TOKEN_FILE: path.join(data, 'admin-token') };
      const dir = scratch.dir();
      const objects = Array.from({ length: 8000 }, (_, i) => ({ path: `s3://lake/claims/part-${String(7999 - i).padStart(5, '0')}.parquet`, size: 4096 + i, sha256: sha(`claims:${i}`) }));
      fs.writeFileSync(path.join(dir, 'list.txt'), objects.map((o) => `${o.sha256} ${o.size} ${o.path}`).join('\n'));
      const r = await runCli(['dataset', 'register', '--name', 'claims', '--class', 'internal', '--list', path.join(dir, 'list.txt'), '--json'], { env });
      assert.equal(r.code, 0, describeRun([], r));
      assert.equal(r.json().digest, manifestDigest(objects));
      assert.equal(r.json().objectCount, 8000);
      assert.equal(fs.readdirSync(path.join(data, 'manifests')).length, 1, 'the manifest was streamed (a file beside the store), not sent as one JSON body');
    } finally {
      await server.stop();
    }
  });
});
