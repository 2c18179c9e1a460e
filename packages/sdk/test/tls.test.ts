import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer, type Cairn } from '@cairn/server';
import { CairnClient, CairnConnectionError } from '../src/index.js';

// The one certificate maker (openssl), in scripts/ (the demo and the server's tests use it too).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const certificates = (await import(pathToFileURL(path.join(root, 'scripts/tls-certificates.mjs')).href)) as {
  makeCa(dir: string, name?: string): { cert: string; key: string };
  makeCert(dir: string, ca: { cert: string; key: string }, options: { name: string; cn?: string; dns?: string[]; ips?: string[] }): { cert: string; key: string };
};

/** The SDK over HTTPS: it trusts a private CA when told to, and nothing else. */
describe('CairnClient over HTTPS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-sdk-tls-'));
  let cairn: Cairn;
  let url: string;
  let ca: { cert: string; key: string };
  let otherCa: { cert: string; key: string };
  let admin: string;
  before(async () => {
    ca = certificates.makeCa(dir, 'ca');
    otherCa = certificates.makeCa(dir, 'other-ca');
    const server = certificates.makeCert(dir, ca, { name: 'server', cn: 'cairn', dns: ['localhost'], ips: ['127.0.0.1'] });
    const data = path.join(dir, 'data');
    ({ cairn, url } = await startServer({ dataDir: data, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent', tls: { certFile: server.cert, keyFile: server.key } }));
    admin = fs.readFileSync(path.join(data, 'admin-token'), 'utf8').trim();
  });
  after(async () => {
    await cairn?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends and verifies through a private CA; a client trusting another CA, or only the system CAs, is refused', async () => {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new CairnClient({ url, token: admin, tls: { ca: fs.readFileSync(ca.cert, 'utf8') } });
    const [appended] = await client.append([{ kind: 'custom.https', body: { over: 'https' } }]);
    assert.ok(appended);
    await client.proveInclusion(appended.index);
    const wrong = new CairnClient({ url, token: admin, tls: { ca: fs.readFileSync(otherCa.cert, 'utf8') } });
    await assert.rejects(wrong.checkpoint(), (err: unknown) => err instanceof CairnConnectionError && /certificate/i.test(err.message));
    const plain = new CairnClient({ url, token: admin });
    await assert.rejects(plain.checkpoint(), CairnConnectionError, 'the system CAs do not vouch for a private CA');
  });
});
