import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyPackage } from '@cairn/verify';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { playFactory, type Factory } from '../helpers/factory.js';
import { cleanupStores, storeCases, tempDir } from '../helpers/stores.js';

after(cleanupStores);

/**
 * The steps of a package's own VERIFY.md, run literally: its `sh` blocks in order in one bash
 * script, its Python block saved where the text says. If the document drifts from the format,
 * this fails.
 */
function scriptOf(verifyMd: string): string {
  const blocks = [...verifyMd.matchAll(/```(sh|python)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
  assert.ok(blocks.filter((b) => b.lang === 'sh').length >= 6, 'VERIFY.md has its shell steps');
  assert.equal(blocks.filter((b) => b.lang === 'python').length, 1, 'VERIFY.md has one page of Python');
  assert.ok(verifyMd.includes('Save this page of Python as `$WORK/verify_package.py`'));
  const parts = ['set -euo pipefail'];
  for (const b of blocks) {
    parts.push(b.lang === 'sh' ? b.code : `cat > "$WORK/verify_package.py" <<'PYTHON'\n${b.code}PYTHON`);
  }
  return parts.join('\n');
}

function runSteps(script: string, pkg: string): { status: number | null; out: string } {
  const cwd = tempDir('cairn-examiner-');
  const r = spawnSync('bash', ['-c', script], { cwd, env: { PATH: process.env['PATH'], PACKAGE: pkg, LC_ALL: 'C.UTF-8' }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('VERIFY.md, executed with sha256sum, openssl and python3', () => {
  const storeCase = storeCases[0]!;
  let s: RunningCairn;
  let f: Factory;
  let pkg: string;
  let bytes: Buffer;
  before(async () => {
    for (const tool of ['sha256sum', 'openssl', 'python3', 'base64', 'tar']) {
      assert.equal(spawnSync('sh', ['-c', `command -v ${tool}`]).status, 0, `${tool} is installed (the examiner's tools)`);
    }
    s = await startCairn(storeCase.fresh());
    f = await playFactory(s);
    const res = await fetch(`${s.url}/api/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.tokens['aud']!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: { kind: 'model', model: 'readmission', version: '1.0.0' }, reason: 'examiner drill' }),
    });
    assert.equal(res.status, 200);
    bytes = Buffer.from(await res.arrayBuffer());
    pkg = path.join(tempDir('cairn-pkg-'), 'package.tar');
    fs.writeFileSync(pkg, bytes);
  });
  after(async () => s.close());

  const verifyMd = () => {
    const dir = tempDir('cairn-md-');
    spawnSync('tar', ['-xf', pkg, '-C', dir, 'VERIFY.md']);
    return fs.readFileSync(path.join(dir, 'VERIFY.md'), 'utf8');
  };

  it('accepts the package as exported', () => {
    const r = runSteps(scriptOf(verifyMd()), pkg);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Signature Verified Successfully/);
    assert.match(r.out, /all digests match/);
    assert.match(r.out, /OK: \d+ entries included in .* at tree size \d+/);
    assert.match(r.out, /every lineage bundle is signed by the log key/);
  });

  it('cairn-verify rejects a real package wherever one byte is flipped (every 997th byte and 250 random ones)', async () => {
    const key = (await s.request('GET', '/api/v1/log/key')).body.verifierKey;
    assert.equal(verifyPackage(bytes, { key }).ok, true);
    const positions = new Set<number>();
    for (let p = 0; p < bytes.length; p += 997) positions.add(p);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    while (positions.size < Math.ceil(bytes.length / 997) + 250) positions.add(Math.floor(random() * bytes.length));
    for (const p of positions) {
      const tampered = Buffer.from(bytes);
      tampered[p]! ^= 1 << (p % 8);
      const verdict = verifyPackage(tampered, { key });
      assert.equal(verdict.ok, false, `flipping byte ${p} went unnoticed`);
    }
  });

  it('rejects a package with an altered entry, manifest, proof, bundle or checkpoint', () => {
    const script = scriptOf(verifyMd());
    const listing = spawnSync('tar', ['-tvf', pkg], { encoding: 'utf8' }).stdout;
    assert.ok(listing.length > 0);
    // Offsets of members: each header is 512 bytes before its data; find data by unique content.
    const targets = [
      { name: 'an entry', find: Buffer.from('"kind":"model_version.approval"') },
      { name: 'the manifest', find: Buffer.from('"format": "cairn-export/v1"') },
      { name: 'a proof', find: Buffer.from('c2sp.org/tlog-proof@v1\nindex ') },
      { name: 'a lineage bundle', find: Buffer.from('"payloadType":"application/vnd.in-toto+json"') },
      { name: 'the sha256sums', find: Buffer.from('  VERIFY.md\n') },
    ];
    for (const t of targets) {
      const at = bytes.indexOf(t.find);
      assert.ok(at > 0, `found ${t.name}`);
      const tampered = Buffer.from(bytes);
      tampered[at + t.find.length - 3]! ^= 0x01;
      const file = path.join(tempDir('cairn-bad-'), 'package.tar');
      fs.writeFileSync(file, tampered);
      const r = runSteps(script, file);
      assert.notEqual(r.status, 0, `${t.name} altered must fail:\n${r.out}`);
    }
  });
});
