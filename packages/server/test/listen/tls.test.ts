import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { openCairn } from '../../src/server.js';
import { makeCa, makeCert, type Ca, type Issued } from '../helpers/certificates.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases, tempDir } from '../helpers/stores.js';

after(cleanupStores);

/** The SHA-256 (hex) of the certificate a TLS server presents. */
function servedCertificate(url: string, ca: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), ca: fs.readFileSync(ca), servername: 'localhost' }, () => {
      const fp = socket.getPeerCertificate().fingerprint256.replaceAll(':', '').toLowerCase();
      socket.end();
      resolve(fp);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

interface Call {
  status: number;
  body: any;
}
async function call(url: string, options: { ca: string; cert?: Issued; token?: string; method?: string; body?: unknown }): Promise<Call> {
  const dispatcher = new Agent({ connect: { ca: fs.readFileSync(options.ca), ...(options.cert ? { cert: fs.readFileSync(options.cert.cert), key: fs.readFileSync(options.cert.key) } : {}) } });
  try {
    const headers: Record<string, string> = {};
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method: options.method ?? 'GET', headers, body: options.body === undefined ? null : JSON.stringify(options.body), dispatcher, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  } finally {
    await dispatcher.close();
  }
}

const dir = tempDir('cairn-tls-');
let ca: Ca;
let otherCa: Ca;
let server: Issued;
let trainerCert: Issued;
let unmappedCert: Issued;
let strangerCert: Issued;
let userCert: Issued;

before(() => {
  ca = makeCa(dir, 'factory-ca');
  otherCa = makeCa(dir, 'other-ca');
  server = makeCert(dir, ca, { name: 'server', cn: 'cairn', dns: ['localhost'], ips: ['127.0.0.1'] });
  trainerCert = makeCert(dir, ca, { name: 'trainer', usage: 'client', uris: ['spiffe://factory.example/trainer'] });
  unmappedCert = makeCert(dir, ca, { name: 'unmapped', usage: 'client', uris: ['spiffe://factory.example/unknown'] });
  strangerCert = makeCert(dir, otherCa, { name: 'stranger', usage: 'client', uris: ['spiffe://factory.example/trainer'] });
  userCert = makeCert(dir, ca, { name: 'alice-laptop', usage: 'client', cn: 'alice' });
  fs.writeFileSync(
    path.join(dir, 'clients.yaml'),
    `clients:\n  - principal: svc-trainer\n    uri: spiffe://factory.example/trainer\n  - principal: alice\n    cn: alice\n`,
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const storeCase of storeCases) {
  describe(`HTTPS and client certificates on ${storeCase.name}`, () => {
    let s: RunningCairn;
    before(async () => {
      s = await startCairn(storeCase.fresh(), {
        tls: { certFile: server.cert, keyFile: server.key, clientCaFile: ca.cert, clientAuth: 'request', clientPrincipalsFile: path.join(dir, 'clients.yaml') },
      });
      const ops = await s.opsToken();
      for (const [id, type] of [['svc-trainer', 'service'], ['alice', 'user']] as const) {
        const proposed = await call(`${s.url}/api/v1/principals`, { ca: ca.cert, token: s.adminToken, method: 'POST', body: { id, type, roles: ['engineer'], reason: 'training pipeline' } });
        assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
        assert.equal((await call(`${s.url}/api/v1/principals/${id}/approve`, { ca: ca.cert, token: ops, method: 'POST', body: { reason: 'ticket OPS-7' } })).status, 200);
      }
    });
    after(async () => s.close());

    it('serves HTTPS on the address asked (the SDK over HTTPS: packages/sdk/test/tls.test.ts)', async () => {
      assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const me = await call(`${s.url}/api/v1/whoami`, { ca: ca.cert, token: s.adminToken });
      assert.equal(me.status, 200, JSON.stringify(me.body));
    });

    it('authenticates a service account by its mapped client certificate; the ledger records auth mtls and the fingerprint', async () => {
      const me = await call(`${s.url}/api/v1/whoami`, { ca: ca.cert, cert: trainerCert });
      assert.equal(me.status, 200, JSON.stringify(me.body));
      assert.deepEqual({ id: me.body.id, type: me.body.type, auth: me.body.auth, roles: me.body.roles, tokenId: me.body.tokenId }, { id: 'svc-trainer', type: 'service', auth: 'mtls', roles: ['engineer'], tokenId: `sha256:${trainerCert.sha256}` });
      const appended = await call(`${s.url}/api/v1/entries`, { ca: ca.cert, cert: trainerCert, method: 'POST', body: { entries: [{ kind: 'custom.mtls', body: { by: 'certificate' } }] } });
      assert.equal(appended.status, 201, JSON.stringify(appended.body));
      const entry = await call(`${s.url}/api/v1/log/entries/${appended.body.entries[0].index}`, { ca: ca.cert, token: s.adminToken });
      assert.deepEqual(entry.body.entry.actor, { id: 'svc-trainer', type: 'service', auth: 'mtls', tokenId: `sha256:${trainerCert.sha256}`, person: 'admin' });
    });

    it('an unmapped certificate, one from another CA, or one mapped to a person is no credential; a bearer token still works beside it', async () => {
      for (const cert of [unmappedCert, strangerCert, userCert]) {
        const res = await call(`${s.url}/api/v1/whoami`, { ca: ca.cert, cert });
        assert.equal(res.status, 401, `${cert.cert}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'unauthenticated');
      }
      const withToken = await call(`${s.url}/api/v1/whoami`, { ca: ca.cert, cert: trainerCert, token: s.adminToken });
      assert.equal(withToken.body.id, 'admin', 'a bearer token wins over a certificate');
      assert.equal(withToken.body.auth, 'token');
    });
  });
}

describe('TLS files', () => {
  it('reload keeps serving: a new certificate is served after reload, a broken one is refused and the previous one stays', async () => {
    const d = tempDir('cairn-tls-reload-');
    const certFile = path.join(d, 'tls.crt');
    const keyFile = path.join(d, 'tls.key');
    const first = makeCert(d, ca, { name: 'first', dns: ['localhost'], ips: ['127.0.0.1'] });
    const second = makeCert(d, ca, { name: 'second', dns: ['localhost'], ips: ['127.0.0.1'] });
    fs.copyFileSync(first.cert, certFile);
    fs.copyFileSync(first.key, keyFile);
    fs.chmodSync(keyFile, 0o600);
    const cairn = await openCairn({ dataDir: d, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent', tls: { certFile, keyFile } });
    try {
      const [url] = (await cairn.listen()) as [string];
      assert.equal(await servedCertificate(url, ca.cert), first.sha256);
      fs.copyFileSync(second.cert, certFile);
      fs.copyFileSync(second.key, keyFile);
      assert.deepEqual(cairn.reloadTls(), { reloaded: ['default'], failed: [] });
      assert.equal(await servedCertificate(url, ca.cert), second.sha256);
      fs.writeFileSync(certFile, 'not a certificate');
      assert.deepEqual(cairn.reloadTls(), { reloaded: [], failed: ['default'] });
      fs.copyFileSync(first.cert, certFile); // a certificate that does not match the key on disk
      assert.deepEqual(cairn.reloadTls(), { reloaded: [], failed: ['default'] });
      assert.equal(await servedCertificate(url, ca.cert), second.sha256, 'the previous certificate stays in use');
    } finally {
      await cairn.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses to start with a key readable by others, a missing file or a certificate that is not the key’s; nothing is created', async () => {
    const d = tempDir('cairn-tls-bad-');
    const data = path.join(d, 'data');
    const open = (tlsSettings: Parameters<typeof openCairn>[0]['tls']) => openCairn({ dataDir: data, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent', tls: tlsSettings });
    const loose = path.join(d, 'loose.key');
    fs.copyFileSync(server.key, loose);
    fs.chmodSync(loose, 0o644);
    await assert.rejects(open({ certFile: server.cert, keyFile: loose }), { name: 'ConfigurationError', message: /loose\.key is readable by group or others.*chmod 600/ });
    await assert.rejects(open({ certFile: path.join(d, 'missing.crt'), keyFile: server.key }), { name: 'ConfigurationError', message: /missing\.crt: cannot read/ });
    await assert.rejects(open({ certFile: trainerCert.cert, keyFile: server.key }), { name: 'ConfigurationError', message: /cannot be used together/ });
    await assert.rejects(open({ certFile: server.cert, keyFile: server.key, clientAuth: 'require' }), { name: 'ConfigurationError', message: /needs a client CA/ });
    const badMap = path.join(d, 'clients.yaml');
    fs.writeFileSync(badMap, 'clients:\n  - principal: svc-a\n    uri: spiffe://a\n    cn: a\n  - principal: svc-b\n    sha256: abc\n  - principal: svc-c\n    uri: spiffe://a\n    colour: blue\n');
    await assert.rejects(open({ certFile: server.cert, keyFile: server.key, clientCaFile: ca.cert, clientPrincipalsFile: badMap }), (err: Error) => {
      assert.equal(err.name, 'ConfigurationError');
      assert.match(err.message, /clients\.yaml:2:5: exactly one of sha256, uri, dns, cn is required \(found 2\)/);
      assert.match(err.message, /clients\.yaml:6:5: must be a SHA-256 fingerprint/);
      assert.match(err.message, /clients\.yaml:9:5: unknown key "colour"/);
      return true;
    });
    assert.equal(fs.existsSync(data), false, 'no store, key or token was written');
    fs.rmSync(d, { recursive: true, force: true });
  });

  it('with clientAuth require, a client without a certificate or with one from another CA fails the handshake', async () => {
    const d = tempDir('cairn-tls-require-');
    const cairn = await openCairn({ dataDir: d, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent', tls: { certFile: server.cert, keyFile: server.key, clientCaFile: ca.cert, clientAuth: 'require' } });
    try {
      const [url] = (await cairn.listen()) as [string];
      await assert.rejects(call(`${url}/healthz`, { ca: ca.cert }), /fetch failed/);
      await assert.rejects(call(`${url}/healthz`, { ca: ca.cert, cert: strangerCert }), /fetch failed/);
      assert.equal((await call(`${url}/healthz`, { ca: ca.cert, cert: unmappedCert })).status, 200, 'a certificate from the client CA passes the handshake');
    } finally {
      await cairn.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
