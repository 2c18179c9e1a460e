import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openCairn, type Cairn } from '@cairn/server';
import { CairnApiError, CairnClient, CairnConnectionError, CairnVerificationError, FileTrustStore, MemoryTrustStore } from '../src/index.js';

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sdk-'));
  dirs.push(d);
  return d;
}

async function serve(options: { dataDir?: string; keyFile?: string; origin?: string; port?: number } = {}): Promise<{ cairn: Cairn; url: string; token: string }> {
  const dataDir = options.dataDir ?? tmp();
  const cairn = await openCairn({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    keyFile: options.keyFile,
    origin: options.origin,
    checkpointIntervalMs: 60_000,
    bodyLimit: 1 << 20,
    logLevel: 'silent',
  });
  const url = await cairn.app.fastify.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  closers.push(() => cairn.close());
  return { cairn, url, token: fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim() };
}

/** A real HTTP proxy that lets a test rewrite the server's JSON or text answers. */
async function tamperingProxy(target: string, rewrite: (pathname: string, body: string) => string): Promise<string> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['authorization', 'content-type'].includes(k))) as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : null,
    });
    const body = rewrite(new URL(req.url!, 'http://x').pathname, await upstream.text());
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);

describe('CairnClient', () => {
  it('appends and verifies entries, checkpoints and proofs', async () => {
    const { url, token } = await serve();
    const client = new CairnClient({ url, token });
    const appended = await client.append([{ kind: 'custom.sdk', subject: 's:1', body: { n: 1 } }, { kind: 'custom.sdk', body: { n: 2 } }]);
    const base = appended[0]!.index; // the bootstrap wrote the first entries
    assert.deepEqual(appended.map((a) => a.index), [base, base + 1]);
    const e = await client.entry(base + 1);
    assert.equal(e.entry.kind, 'custom.sdk');
    assert.equal(e.leafHash, appended[1]!.leafHash);
    const p = await client.proveInclusion(base + 1, undefined, appended[1]!.leafHash);
    assert.equal(p.treeSize, base + 2);
    await client.append([{ kind: 'custom.sdk', body: { n: 3 } }]);
    const cp = await client.checkpoint({ sign: true });
    assert.equal(cp.size, base + 3);
    assert.equal(client.trusted()?.checkpoint?.size, base + 3);
    const older = await client.checkpointAt(base + 2);
    assert.equal((await client.proveConsistency(older, cp)).length > 0, true);
    assert.deepEqual((await client.entries(base, 10)).map((x) => x.index), [base, base + 1, base + 2]);
  });

  it('rejects a tampered proof, leaf, entry or checkpoint from a man in the middle', async () => {
    const { url, token } = await serve();
    const honest = new CairnClient({ url, token });
    const [, second] = await honest.append([{ kind: 'custom.sdk', body: { n: 1 } }, { kind: 'custom.sdk', body: { n: 2 } }, { kind: 'custom.sdk', body: { n: 3 } }]);
    const i = second!.index;
    await honest.checkpoint({ sign: true });
    const { verifierKey } = await honest.key();

    const cases: Array<[string, (p: string, body: string) => string, (c: CairnClient) => Promise<unknown>, string]> = [
      ['proof hash', (p, b) => (p.endsWith('/inclusion') ? JSON.stringify({ ...JSON.parse(b), hashes: JSON.parse(b).hashes.map(flipHex) }) : b), (c) => c.proveInclusion(i), 'proof_invalid'],
      ['leaf hash in proof', (p, b) => (p.endsWith('/inclusion') ? JSON.stringify({ ...JSON.parse(b), leafHash: flipHex(JSON.parse(b).leafHash) }) : b), (c) => c.proveInclusion(i), 'proof_invalid'],
      ['entry body', (p, b) => (p.includes('/log/entries/') ? b.replace('"n":2', '"n":7') : b), (c) => c.entry(i), 'leaf_mismatch'],
      ['leaf bytes', (p, b) => (p.includes('/log/entries/') ? JSON.stringify({ ...JSON.parse(b), leaf: Buffer.from('{}').toString('base64') }) : b), (c) => c.entry(i), 'leaf_mismatch'],
      ['checkpoint root', (p, b) => (p.endsWith('/log/checkpoint') ? b.replace(/\n([A-Za-z0-9+/]{4})/, (_m, x: string) => `\n${x === 'AAAA' ? 'BBBB' : 'AAAA'}`) : b), (c) => c.checkpoint(), 'signature_invalid'],
    ];
    for (const [name, rewrite, call, code] of cases) {
      const proxy = await tamperingProxy(url, rewrite);
      const client = new CairnClient({ url: proxy, token, verifierKey });
      await assert.rejects(call(client), (err: unknown) => err instanceof CairnVerificationError && err.code === code, name);
    }
  });

  it('detects a server that forked: same key, different history', async () => {
    const shared = tmp();
    const keyFile = path.join(shared, 'log.pem');
    const trustStore = new FileTrustStore(path.join(shared, 'trust'));
    const first = await serve({ keyFile, origin: 'fork.example/log' });
    const client1 = new CairnClient({ url: first.url, token: first.token, trustStore });
    await client1.append([{ kind: 'custom.a', body: { history: 'one' } }, { kind: 'custom.a', body: { history: 'one' } }]);
    const trustedSize = (await client1.checkpoint({ sign: true })).size;
    await first.cairn.close();
    await new Promise((r) => setTimeout(r, 50)); // let this process see its kept-alive sockets close

    // Another store, signed with the same key under the same origin, on the same port: a fork.
    const port = Number(new URL(first.url).port);
    const second = await serve({ keyFile, origin: 'fork.example/log', port });
    const forker = new CairnClient({ url: second.url, token: second.token });
    await forker.append([{ kind: 'custom.a', body: { history: 'two' } }, { kind: 'custom.a', body: { history: 'two' } }, { kind: 'custom.a', body: { history: 'two' } }]);
    await forker.checkpoint({ sign: true });

    const client2 = new CairnClient({ url: second.url, token: second.token, trustStore });
    await assert.rejects(client2.checkpoint(), (err: unknown) => err instanceof CairnVerificationError && err.code === 'fork_detected');
    assert.equal(trustStore.load(second.url)?.checkpoint?.size, trustedSize, 'the forked checkpoint was not trusted');
  });

  it('refuses a server whose key changed since it was trusted', async () => {
    const shared = tmp();
    const trustStore = new FileTrustStore(path.join(shared, 'trust'));
    const first = await serve();
    const c1 = new CairnClient({ url: first.url, token: first.token, trustStore });
    await c1.append([{ kind: 'custom.a', body: {} }]);
    await c1.checkpoint();
    await first.cairn.close();
    await new Promise((r) => setTimeout(r, 50));
    const second = await serve({ port: Number(new URL(first.url).port) });
    const c2 = new CairnClient({ url: second.url, token: second.token, trustStore });
    await c2.append([{ kind: 'custom.a', body: {} }]);
    await assert.rejects(c2.checkpoint(), (err: unknown) => err instanceof CairnVerificationError && err.code === 'key_changed');
  });

  it('surfaces API errors with their code, and unreachable servers as connection errors', async () => {
    const { url, token } = await serve();
    const client = new CairnClient({ url, token, trustStore: new MemoryTrustStore() });
    await assert.rejects(client.append([{ kind: 'model.approved', body: {} }]), (err: unknown) => err instanceof CairnApiError && err.status === 422 && err.code === 'kind_reserved');
    await assert.rejects(new CairnClient({ url }).key(), (err: unknown) => err instanceof CairnApiError && err.code === 'unauthenticated');
    await assert.rejects(client.entry(99), (err: unknown) => err instanceof CairnApiError && err.code === 'entry_not_found');
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(new CairnClient({ url: `http://127.0.0.1:${port}`, token }).key(), CairnConnectionError);
  });
});
