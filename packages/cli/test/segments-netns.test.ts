import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeCa, makeCert } from './helpers/certificates.js';
import { CLI_BIN, childEnv } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

// Seed 002's DMZ on one machine: two network namespaces stand for the training and the compliance
// segment, each joined to the root namespace (Cairn's host) by a veth pair in its own /30 of
// 10.213.0.0/16. The addresses exist only on those veths; no namespace has a default route, so a
// segment reaches Cairn's address on its own link and nothing else, as the firewall in
// docs/operations.md arranges. Needs root and iproute2 (.ci/run installs it): if namespaces cannot
// be made, this test fails — it never skips.

const run = promisify(execFile);
const scratch = new Scratch();
const suffix = crypto.randomBytes(3).toString('hex');
const net = 16 + (crypto.randomBytes(1)[0]! % 200); // 10.213.<net>.0/29, split into two /30s
const SEGMENTS = {
  training: { ns: `cairn-tr-${suffix}`, host: `ctr${suffix}`, peer: `ctrp${suffix}`, cairn: `10.213.${net}.1`, client: `10.213.${net}.2` },
  compliance: { ns: `cairn-co-${suffix}`, host: `cco${suffix}`, peer: `ccop${suffix}`, cairn: `10.213.${net}.5`, client: `10.213.${net}.6` },
};
const PORT = 8443;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

function buildSegments(): void {
  const inUse = execFileSync('ip', ['-o', 'addr'], { encoding: 'utf8' });
  if (inUse.includes(` 10.213.${net}.`)) throw new Error(`10.213.${net}.0/29 is already in use on this machine; run again`);
  for (const s of Object.values(SEGMENTS)) {
    ip('netns', 'add', s.ns);
    ip('link', 'add', s.host, 'type', 'veth', 'peer', 'name', s.peer);
    ip('link', 'set', s.peer, 'netns', s.ns);
    ip('addr', 'add', `${s.cairn}/30`, 'dev', s.host);
    ip('link', 'set', s.host, 'up');
    ip('-n', s.ns, 'addr', 'add', `${s.client}/30`, 'dev', s.peer);
    ip('-n', s.ns, 'link', 'set', s.peer, 'up');
    ip('-n', s.ns, 'link', 'set', 'lo', 'up');
  }
}

function removeSegments(): void {
  for (const s of Object.values(SEGMENTS)) {
    // Deleting the namespace deletes its end of the pair, and with it the root end.
    try {
      ip('netns', 'del', s.ns);
    } catch {
      // not created
    }
    try {
      ip('link', 'del', s.host);
    } catch {
      // gone with the namespace
    }
  }
}

/** `fetch` from inside a segment's namespace, bounded to 3 s: { status, body } or { error }. */
async function fetchFrom(segment: keyof typeof SEGMENTS, url: string, options: { token?: string; method?: string; body?: unknown; ca: string }): Promise<{ status?: number; body?: any; error?: string }> {
  const script = `
    const [url, method, token, body] = process.argv.slice(1);
    fetch(url, { method, headers: { ...(token ? { authorization: 'Bearer ' + token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body || null, signal: AbortSignal.timeout(3000) })
      .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json() })))
      .catch((e) => console.log(JSON.stringify({ error: e.cause?.code ?? e.name })));`;
  const args = ['netns', 'exec', SEGMENTS[segment].ns, process.execPath, '-e', script, url, options.method ?? 'GET', options.token ?? '', options.body === undefined ? '' : JSON.stringify(options.body)];
  const { stdout } = await run('ip', args, { env: { ...process.env, NODE_EXTRA_CA_CERTS: options.ca }, timeout: 10_000 });
  return JSON.parse(stdout) as { status?: number; body?: any; error?: string };
}

/** The CLI, run inside a segment's namespace. */
async function cliFrom(segment: keyof typeof SEGMENTS, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', SEGMENTS[segment].ns, process.execPath, CLI_BIN, ...args], { env: childEnv(env), timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a segmented deployment: one listener per network segment', () => {
  const dir = scratch.dir('cairn-netns-');
  const ingestUrl = `https://${SEGMENTS.training.cairn}:${PORT}`;
  const reviewUrl = `https://${SEGMENTS.compliance.cairn}:${PORT}`;
  let server: ServerProcess;
  let caFile: string;
  let engineer: string;
  let admin: string;

  before(async () => {
    buildSegments();
    const ca = makeCa(dir, 'dmz-ca');
    caFile = ca.cert;
    const ingest = makeCert(dir, ca, { name: 'ingest', ips: [SEGMENTS.training.cairn] });
    const review = makeCert(dir, ca, { name: 'review', ips: [SEGMENTS.compliance.cairn] });
    const listeners = path.join(dir, 'listeners.yaml');
    fs.writeFileSync(
      listeners,
      [
        'listeners:',
        '  - name: ingest',
        `    listen: ${SEGMENTS.training.cairn}:${PORT}`,
        `    tls: { cert: ${path.basename(ingest.cert)}, key: ${path.basename(ingest.key)} }`,
        '    groups: [meta, proofs, identity, policy, ingest]',
        '    roles: [engineer, service]',
        '  - name: review',
        `    listen: ${SEGMENTS.compliance.cairn}:${PORT}`,
        `    tls: { cert: ${path.basename(review.cert)}, key: ${path.basename(review.key)} }`,
        '    groups: [meta, proofs, identity, policy, read, review, export, principals]',
        '    roles: [admin, auditor, reviewer:compliance, reviewer:security]',
        '',
      ].join('\n'),
    );
    const data = path.join(dir, 'data');
    server = await spawnServer({ data, extraArgs: ['--listeners', listeners] });
    admin = server.adminToken();
    // The second founder of the installation ceremony is the training segment's engineer.
    const founder = await run(process.execPath, [CLI_BIN, 'token', 'bootstrap', '--data', data, '--principal', 'erin', '--roles', 'engineer', '--reason', 'second founder', '--field', 'token'], { env: childEnv({ CAIRN_CONFIG_DIR: scratch.dir() }) });
    engineer = founder.stdout.trim();
  });
  after(async () => {
    await server?.stop();
    killAllServers();
    removeSegments();
    await scratch.cleanup();
  });

  it('each listener is on its own segment: the banner names them', () => {
    assert.deepEqual(server.listeners, { ingest: ingestUrl, review: reviewUrl });
  });

  it('the training host appends through the ingest listener and cannot connect to the review listener', async () => {
    const appended = await fetchFrom('training', `${ingestUrl}/api/v1/entries`, { ca: caFile, token: engineer, method: 'POST', body: { entries: [{ kind: 'custom.training-batch', body: { n: 1 } }] } });
    assert.equal(appended.status, 201, JSON.stringify(appended));
    const env = { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_TOKEN: engineer, CAIRN_CA_FILE: caFile };
    const checkpoint = await cliFrom('training', ['--url', ingestUrl, 'log', 'checkpoint'], env);
    assert.equal(checkpoint.code, 0, checkpoint.stderr);
    const other = await fetchFrom('training', `${reviewUrl}/healthz`, { ca: caFile });
    assert.ok(other.error, `the review listener must be out of reach: ${JSON.stringify(other)}`);
    assert.equal((await cliFrom('training', ['--url', reviewUrl, 'log', 'checkpoint'], env)).code, 3);
  });

  it('the compliance host reads and reviews through the review listener and cannot connect to the ingest listener', async () => {
    const entries = await fetchFrom('compliance', `${reviewUrl}/api/v1/log/entries?start=0&limit=10`, { ca: caFile, token: admin });
    assert.equal(entries.status, 200, JSON.stringify(entries));
    const other = await fetchFrom('compliance', `${ingestUrl}/healthz`, { ca: caFile });
    assert.ok(other.error, `the ingest listener must be out of reach: ${JSON.stringify(other)}`);
  });

  it('a review route asked on the ingest listener is 404, as an unknown route, and is recorded', async () => {
    const hidden = await fetchFrom('training', `${ingestUrl}/api/v1/log/entries?start=0`, { ca: caFile, token: engineer });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.code, 'route_not_found');
    const unknown = await fetchFrom('training', `${ingestUrl}/api/v1/no-such-route`, { ca: caFile, token: engineer });
    assert.deepEqual(hidden.body, { error: { ...unknown.body.error, message: unknown.body.error.message.replace('/api/v1/no-such-route', '/api/v1/log/entries') } }, 'as a route that does not exist');
    const log = await fetchFrom('compliance', `${reviewUrl}/api/v1/log/entries?start=0&limit=1000`, { ca: caFile, token: admin });
    const denied = (log.body.entries as { entry: { kind: string; actor: { id: string }; body: Record<string, unknown> } }[]).map((e) => e.entry).filter((e) => e.kind === 'access.denied_listener');
    assert.equal(denied.length, 1);
    assert.equal(denied[0]!.actor.id, 'erin');
    assert.deepEqual([denied[0]!.body['listener'], denied[0]!.body['route'], denied[0]!.body['client']], ['ingest', '/api/v1/log/entries', SEGMENTS.training.client]);
  });
});
