import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer } from './helpers/spawn-server.js';

/** What `npm ci` installs and `npm pack` ships: the commands on the PATH, every asset a published server reads. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('packaging', () => {
  it('links `cairn` and `cairn-verify` into node_modules/.bin, and they run', () => {
    for (const bin of ['cairn', 'cairn-verify']) {
      const file = path.join(ROOT, 'node_modules', '.bin', bin);
      assert.ok(fs.existsSync(file), `${bin} is not linked into node_modules/.bin`);
      const r = spawnSync(file, ['--help'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout + r.stderr, new RegExp(bin === 'cairn' ? 'Usage: cairn' : 'cairn-verify'));
    }
  });

  it("ships the server's assets and policy pack, and each package's README", () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--workspaces'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const packs = JSON.parse(r.stdout) as { name: string; files: { path: string }[] }[];
    const files = (name: string) => packs.find((p) => p.name === name)!.files.map((f) => f.path);
    for (const name of ['@cairn/verify', '@cairn/server', '@cairn/sdk', '@cairn/cli']) assert.ok(files(name).includes('README.md'), `${name} ships its README`);
    const assets = (fs.readdirSync(path.join(ROOT, 'packages/server/assets'), { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(ROOT, 'packages/server/assets', f)).isFile());
    assert.ok(assets.includes('VERIFY.md') && assets.includes('openlineage/OpenLineage.json'));
    for (const asset of assets) assert.ok(files('@cairn/server').includes(`assets/${asset}`), `@cairn/server ships assets/${asset}`);
    assert.ok(files('@cairn/server').includes('policy/example-pack.yaml'));
    assert.ok(files('@cairn/verify').includes('bin/cairn-verify.js'));
    assert.ok(files('@cairn/cli').includes('bin/cairn.js'));
  });
});

/** Each package README's example, run as its README says (from the repository root, where the packages resolve). */
describe('package README examples run', () => {
  const scratch = new Scratch();
  after(async () => {
    killAllServers();
    await scratch.cleanup();
  });
  const example = (pkg: string) => {
    const text = fs.readFileSync(path.join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
    const m = /```js\n([\s\S]*?)```/.exec(text);
    assert.ok(m, `packages/${pkg}/README.md has a js example`);
    const file = path.join(ROOT, `.readme-example-${pkg}-${process.pid}.mjs`);
    fs.writeFileSync(file, m[1]!);
    return file;
  };
  const run = (file: string, env: Record<string, string> = {}) => {
    try {
      return spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
    } finally {
      fs.rmSync(file, { force: true });
    }
  };

  for (const pkg of ['verify', 'server']) {
    it(`@cairn/${pkg}`, () => {
      const r = run(example(pkg));
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.trim().length > 0);
    });
  }

  it('@cairn/sdk, against a running server', async () => {
    const data = scratch.dir();
    const server = await spawnServer({ data });
    const file = example('sdk');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('http://127.0.0.1:8080', server.url));
    const r = run(file, { CAIRN_TOKEN: server.adminToken() });
    await server.stop();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /proved into the tree of size \d+/);
  });
});
