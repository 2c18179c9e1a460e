import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatVerifierKey, verifyPackage } from '@cairn/verify';
import { describeRun, runCli, type CliResult } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/** `cairn export` and `cairn exports` as an auditor runs them, against a real server. */
const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

describe('cairn export', () => {
  let server: ServerProcess;
  let dir: string;
  let admin: Record<string, string>;
  let auditor: Record<string, string>;
  const cairn = async (args: string[], env: Record<string, string>, code: number): Promise<CliResult> => {
    const r = await runCli(args, { env });
    assert.equal(r.code, code, describeRun(args, r));
    return r;
  };

  let ops: string;
  /** A person enrolled as production does it: their own credential, proposed by one founder and approved by the other. */
  const enrol = async (id: string, roles: string): Promise<string> => {
    const file = path.join(dir, `${id}.token`);
    const sha = (await cairn(['token', 'new', '-o', file], admin, 0)).stdout.trim();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    await cairn(['principal', 'propose', id, '--type', 'user', '--roles', roles, '--credential-sha256', sha, '--reason', 'the audit team'], admin, 0);
    await cairn(['principal', 'approve', id, '--reason', 'mine'], admin, 4);
    await cairn(['principal', 'approve', id, '--reason', 'HR record checked'], { ...admin, CAIRN_TOKEN: ops }, 0);
    await cairn(['token', 'new', '-o', file], admin, 2);
    return fs.readFileSync(file, 'utf8').trim();
  };

  before(async () => {
    dir = scratch.dir();
    server = await spawnServer({ data: path.join(dir, 'data') });
    admin = { CAIRN_URL: server.url, CAIRN_TOKEN: server.adminToken(), CAIRN_CONFIG_DIR: path.join(dir, 'config') };
    // An auditor enrolled as production does it: the second founder from the ceremony, the
    // auditor's own credential, proposed by one founder and approved by the other.
    ops = (await cairn(['token', 'bootstrap', '--data', path.join(dir, 'data'), '--principal', 'ops', '--reason', 'second founder', '--field', 'token'], admin, 0)).stdout.trim();
    auditor = { ...admin, CAIRN_TOKEN: await enrol('aud', 'auditor') };
    for (let i = 0; i < 5; i += 1) {
      const r = await fetch(`${server.url}/api/v1/entries`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken()}`, 'content-type': 'application/json' }, body: JSON.stringify({ entries: [{ kind: 'custom.batch', subject: 'batch:1', body: { i } }] }) });
      assert.equal(r.status, 201);
    }
  });
  after(async () => server?.stop());

  test('writes a package that verifies offline, records it, and lists it', async () => {
    const file = path.join(dir, 'batch.tar');
    const r = await cairn(['--json', 'export', '--subject', 'batch:1', '--reason', 'incident review', '-o', file], auditor, 0);
    const record = r.json();
    assert.equal(record.state, 'completed');
    assert.equal(record.entries, 5);
    const bytes = fs.readFileSync(file);
    assert.equal(record.sha256, `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`);
    assert.ok(!fs.existsSync(`${file}.partial`));
    const key = (await cairn(['log', 'key'], auditor, 0)).stdout.trim();
    assert.equal(verifyPackage(bytes, { key }).ok, true);
    const human = await cairn(['export', '--subject', 'batch:1', '--reason', 'again', '-o', path.join(dir, 'again.tar')], auditor, 0);
    assert.match(human.stdout, /5 entries proved into the checkpoint at tree size \d+/);
    assert.match(human.stdout, /verified with vm\/cairn\//);
    // A package that does not verify with the pinned key: exit 1. (Pin another log's key.)
    const otherPublic = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const otherKey = formatVerifierKey('other.example/log', otherPublic);
    const wrong = await cairn(['--key', otherKey, 'export', '--subject', 'batch:1', '--reason', 'wrong key', '-o', path.join(dir, 'wrong.tar')], { ...auditor, CAIRN_CONFIG_DIR: path.join(dir, 'other-config') }, 1);
    assert.match(wrong.stderr, /does not verify/);
    const list = await cairn(['--json', 'exports', 'list'], auditor, 0);
    assert.ok(list.json<{ reason: string }[]>().some((e) => e.reason === 'incident review'));
    const shown = await cairn(['exports', 'show', record.id], auditor, 0);
    assert.match(shown.stdout, new RegExp(`${record.id}\\s+completed`));
  });

  test('refuses bad arguments with exit 2, refusals with exit 4, and leaves no file behind', async () => {
    const file = path.join(dir, 'refused.tar');
    const usage: string[][] = [
      ['export', '--reason', 'x', '-o', file],
      ['export', '--subject', 'batch:1', '--model', 'a@1', '--reason', 'two scopes', '-o', file],
      ['export', '--model', 'no-version', '--reason', 'bad', '-o', file],
      ['export', '--from', '2026-01-01T00:00:00Z', '--reason', 'half a range', '-o', file],
      ['export', '--subject', 'nokind', '--reason', 'bad', '-o', file],
      ['export', '--subject', 'batch:1', '--reason', 'bad', '--checkpoint', 'abc', '-o', file],
      ['export', '--subject', 'batch:1', '-o', file],
    ];
    for (const args of usage) await cairn(args, auditor, 2);
    await cairn(['--key', 'not-a-key', 'export', '--subject', 'batch:1', '--reason', 'bad key', '-o', file], auditor, 2);
    const missing = await cairn(['--json', 'export', '--subject', 'batch:404', '--reason', 'nothing there', '-o', file], auditor, 4);
    assert.equal(missing.json().error.code, 'nothing_in_scope');
    const engineer = await enrol('erin', 'engineer');
    const forbidden = await cairn(['--json', 'export', '--subject', 'batch:1', '--reason', 'not mine to take', '-o', file], { ...admin, CAIRN_TOKEN: engineer }, 4);
    assert.equal(forbidden.json().error.code, 'forbidden');
    assert.ok(!fs.existsSync(file) && !fs.existsSync(`${file}.partial`));
  });
});
