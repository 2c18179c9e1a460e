// cairn-verify as an examiner runs it: `node dist/src/bin.js FILE.tar [options]`, its output
// and its exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PackageResult } from '../src/index.js';
import { buildPackage, testKey } from './helpers/package-builder.js';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-verify-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pkg = buildPackage();
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const valid = file('valid.tar', pkg.bytes);
const vkeyFile = file('log.vkey', `${pkg.key.vkey}\n`);
const newer = file('newer.checkpoint', pkg.log.checkpoint(20, pkg.key));
const proofHashes = pkg.log.consistency(12, 20).map((h) => Buffer.from(h).toString('hex'));
// As the API answers (hex), and as lines of base64.
const proofJson = file('proof.json', JSON.stringify({ from: 12, to: 20, hashes: proofHashes }));
const proofText = file('proof.txt', proofHashes.map((h) => `${Buffer.from(h, 'hex').toString('base64')}\n`).join(''));

// A byte of an entry's leaf changed: its proof no longer leads to the checkpoint's root.
const corrupted = (() => {
  const bytes = Buffer.from(pkg.bytes);
  const leaf = Buffer.from(pkg.files.get('entries/000000000007.json') as Uint8Array);
  const at = bytes.indexOf(leaf) + leaf.indexOf('"n":7') + 4;
  bytes[at] = 0x38; // "n":8
  return file('corrupted.tar', bytes);
})();

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cairn-verify', () => {
  test('a valid package: exit 0 and what it proves, with the key not pinned', () => {
    const { status, stdout, stderr } = run(valid);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^OK: .*valid\.tar is a valid cairn-export\/v1 package\./);
    assert.match(stdout, /5 ledger entries \(indices 2 to 11\)/);
    assert.match(stdout, /Checkpoint: +cairn\.test\/log, tree size 12, root hash /);
    assert.ok(stdout.includes(pkg.key.vkey));
    assert.match(stdout, /NOT PINNED/);
    assert.equal(stderr, '');
  });

  test('--key as a string, @file or file pins the key', () => {
    for (const key of [pkg.key.vkey, `@${vkeyFile}`, vkeyFile]) {
      const { status, stdout } = run(valid, '--key', key);
      assert.equal(status, 0);
      assert.match(stdout, /Key: +pinned/);
    }
    assert.equal(run(`--key=${pkg.key.vkey}`, valid).status, 0);
  });

  test('another key: exit 1', () => {
    const { status, stdout } = run(valid, '--key', testKey().vkey);
    assert.equal(status, 1);
    assert.match(stdout, /^FAILED: keys\/log\.vkey: key: the package's key .* is not the key given/);
  });

  test('a corrupted package: exit 1 and the FAILED line naming the file', () => {
    const { status, stdout } = run(corrupted);
    assert.equal(status, 1);
    assert.match(stdout, /^FAILED: entries\/000000000007\.json: inclusion: not included in the checkpoint/);
    assert.equal(stdout.split('\n').length, 2);
    assert.equal(run(corrupted, '--quiet').stdout, stdout);
  });

  test('--json: one object, ok with the summary or the failure', () => {
    const ok = JSON.parse(run(valid, '--json').stdout) as PackageResult;
    assert.ok(ok.ok);
    assert.equal(ok.summary.entries.count, 5);
    assert.equal(ok.summary.key.pinned, false);
    const bad = run(corrupted, '--json');
    assert.equal(bad.status, 1);
    const failed = JSON.parse(bad.stdout) as PackageResult;
    assert.ok(!failed.ok);
    assert.deepEqual(Object.keys(failed.failure).sort(), ['check', 'file', 'message']);
    assert.equal(failed.failure.file, 'entries/000000000007.json');
  });

  test('--quiet: nothing on success', () => {
    const { status, stdout } = run(valid, '--quiet');
    assert.equal(status, 0);
    assert.equal(stdout, '');
  });

  test('a newer checkpoint and its consistency proof, as API JSON or lines', () => {
    for (const proof of [proofJson, proofText]) {
      const { status, stdout } = run(valid, '--key', pkg.key.vkey, '--checkpoint', newer, '--consistency-proof', proof);
      assert.equal(status, 0, stdout);
      assert.match(stdout, /Newer: +the checkpoint at tree size 20/);
    }
    const wrong = file('wrong-proof.json', JSON.stringify({ from: 12, to: 20, hashes: [...proofHashes].reverse() }));
    const { status, stdout } = run(valid, '--checkpoint', newer, '--consistency-proof', wrong);
    assert.equal(status, 1);
    assert.ok(stdout.startsWith(`FAILED: ${wrong}: consistency: `), stdout);
  });

  test('usage errors: exit 2 with a message', () => {
    const cases: [string[], RegExp][] = [
      [[valid, '--bogus'], /unknown option --bogus/],
      [[], /no package given/],
      [[valid, valid], /one package at a time/],
      [[join(dir, 'missing.tar')], /no such file/],
      [[valid, '--key'], /--key needs a value/],
      [[valid, '--key', 'not-a-key'], /not a verifier key/],
      [[valid, '--key', `@${join(dir, 'missing.vkey')}`], /cannot read the key/],
      [[valid, '--checkpoint', newer], /go together/],
      [[valid, '--checkpoint', newer, '--consistency-proof', file('junk.json', '{"from":')], /not JSON/],
      [[valid, '--checkpoint', newer, '--consistency-proof', file('junk.txt', 'zz\n')], /neither hex nor base64/],
      [[valid, '--json=yes'], /takes no value/],
    ];
    for (const [args, message] of cases) {
      const { status, stdout, stderr } = run(...args);
      assert.equal(status, 2, args.join(' '));
      assert.match(stderr, message);
      assert.equal(stdout, '');
    }
  });

  test('--help describes every option and the exit codes; --version', () => {
    const { status, stdout } = run('--help');
    assert.equal(status, 0);
    for (const option of ['--key', '--checkpoint', '--consistency-proof', '--json', '--quiet', '--help', '--version']) assert.ok(stdout.includes(option), option);
    for (const code of ['0 ', '1 ', '2 ']) assert.ok(stdout.includes(`\n  ${code}`), code);
    assert.match(run('--version').stdout, /^cairn-verify \d+\.\d+\.\d+\n$/);
  });
});
