import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseVerifierKey, statementIssues, verifyEnvelope } from '@cairn/verify';
import { childEnv } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

/**
 * The README's shell examples, run as written: every command line must exit as its comment says
 * — 0 unless the comment ends with "(exit N)". Only the port differs (a free one, not 8080).
 */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function section(title: string): string[] {
  const start = README.indexOf(`## ${title}\n`);
  assert.ok(start >= 0, `README has a section "${title}"`);
  const end = README.indexOf('\n## ', start + 3);
  const body = README.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Logical command lines (continuations joined), with the exit code each must give. */
function commands(block: string): { line: string; exit: number }[] {
  const joined = block.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => ({ line, exit: Number(/\(exit (\d+)\)\s*$/.exec(line)?.[1] ?? 0) }));
}

const scratch = new Scratch();
let server: ServerProcess;
let workdir: string;

before(async () => {
  // A working directory shaped like a checkout: packages/ from the repository, .cairn/ the server's data.
  workdir = scratch.dir('cairn-readme-');
  fs.symlinkSync(path.join(ROOT, 'packages'), path.join(workdir, 'packages'));
  server = await spawnServer({ data: path.join(workdir, '.cairn') });
});
after(async () => {
  await server?.stop();
  killAllServers();
  await scratch.cleanup();
});

function runBlock(block: string): void {
  const cmds = commands(block.replaceAll('127.0.0.1:8080', `127.0.0.1:${server.port}`));
  assert.ok(cmds.length > 0);
  // One bash session (variables and aliases carry over); each line's exit code is reported.
  const script = ['shopt -s expand_aliases', ...cmds.flatMap((c, i) => [c.line, `echo "__exit_${i}=$?" >&2`])].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd: workdir, env: childEnv({ CAIRN_URL: server.url, CAIRN_CONFIG_DIR: path.join(workdir, 'config') }), encoding: 'utf8', timeout: 120_000 });
  const codes = new Map([...r.stderr.matchAll(/__exit_(\d+)=(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]));
  cmds.forEach((c, i) => {
    assert.equal(codes.get(i), c.exit, `README line \`${c.line}\` exited ${codes.get(i)}, expected ${c.exit}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`);
  });
}

describe('README examples run as written', () => {
  it('A first minute', () => {
    for (const block of section('A first minute')) runBlock(block);
  });
  it('Identity and policy', () => {
    for (const block of section('Identity and policy')) runBlock(block);
  });
  it('Lineage in a minute', () => {
    for (const block of section('Lineage in a minute')) runBlock(block);
  });
  it('A model to production', () => {
    for (const block of section('A model to production')) runBlock(block);
  });
  it('Backups', () => {
    for (const block of section('Backups')) runBlock(block);
    assert.equal(fs.statSync(path.join(workdir, 'cairn-backup.tar')).mode & 0o777, 0o600);
  });
  it('Compliance packages', () => {
    for (const block of section('Compliance packages')) runBlock(block);
    const listing = fs.readdirSync(path.join(workdir, 'examiner'));
    for (const name of ['VERIFY.md', 'report.html', 'manifest.json', 'manifest.sig', 'checkpoint', 'entries', 'evidence', 'keys']) assert.ok(listing.includes(name), name);
  });
  it('made lineage bundles that pass the in-toto Statement v1 / SLSA Provenance v1 rules', async () => {
    const token = fs.readFileSync(path.join(workdir, '.cairn', 'admin-token'), 'utf8').trim();
    const get = async (p: string) => (await fetch(server.url + p, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
    const { verifierKey } = await get('/api/v1/log/key');
    const runs = ((await get('/api/v1/runs')).runs as { id: string; outputs: unknown[] }[]).filter((r) => r.outputs.length > 0);
    assert.ok(runs.length >= 2, 'both sections trained a model');
    for (const run of runs) {
      const statement = JSON.parse(Buffer.from(verifyEnvelope(await get(`/api/v1/runs/${run.id}/provenance`), parseVerifierKey(verifierKey))).toString('utf8'));
      assert.deepEqual(statementIssues(statement), [], run.id);
    }
  });
});
