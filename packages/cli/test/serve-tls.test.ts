import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { makeCa, makeCert, type Ca, type Issued } from './helpers/certificates.js';
import { runCli } from './helpers/run-cli.js';
import { Scratch } from './helpers/scratch.js';
import { killAllServers, spawnServer, type ServerProcess } from './helpers/spawn-server.js';

const scratch = new Scratch();
after(async () => {
  killAllServers();
  await scratch.cleanup();
});

const dir = scratch.dir('cairn-cli-tls-');
let ca: Ca;
let otherCa: Ca;
let first: Issued;
let second: Issued;
let clientCert: Issued;
before(() => {
  ca = makeCa(dir, 'ops-ca');
  otherCa = makeCa(dir, 'other-ca');
  first = makeCert(dir, ca, { name: 'first', dns: ['localhost'], ips: ['127.0.0.1'] });
  second = makeCert(dir, ca, { name: 'second', dns: ['localhost'], ips: ['127.0.0.1'] });
  clientCert = makeCert(dir, ca, { name: 'laptop', usage: 'client', cn: 'laptop' });
});

function servedCertificate(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), ca: fs.readFileSync(ca.cert) }, () => {
      const fp = socket.getPeerCertificate().fingerprint256.replaceAll(':', '').toLowerCase();
      socket.end();
      resolve(fp);
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

/** Waits (at most 5 s) until the server's stderr matches. */
async function stderrMatches(server: ServerProcess, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !pattern.test(server.stderr()); i++) await sleep(50);
  assert.match(server.stderr(), pattern);
}

describe('cairn serve over HTTPS', () => {
  let server: ServerProcess;
  let certFile: string;
  let keyFile: string;
  const env = () => ({ CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_URL: server.url, CAIRN_TOKEN_FILE: path.join(server.data, 'admin-token') });
  before(async () => {
    certFile = path.join(dir, 'tls.crt');
    keyFile = path.join(dir, 'tls.key');
    fs.copyFileSync(first.cert, certFile);
    fs.copyFileSync(first.key, keyFile);
    fs.chmodSync(keyFile, 0o600);
    server = await spawnServer({ data: path.join(scratch.dir(), 'data'), extraArgs: ['--tls-cert', certFile, '--tls-key', keyFile] });
  });
  after(async () => server.stop());

  it('serves HTTPS; the CLI trusts the private CA with --ca-file or $CAIRN_CA_FILE and refuses the server otherwise', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await runCli(['--ca-file', ca.cert, 'log', 'checkpoint'], { env: env() })).code, 0);
    assert.equal((await runCli(['log', 'checkpoint'], { env: { ...env(), CAIRN_CA_FILE: ca.cert } })).code, 0);
    const untrusted = await runCli(['log', 'checkpoint'], { env: env() });
    assert.equal(untrusted.code, 3, untrusted.stderr);
    assert.match(untrusted.stderr, /certificate/);
    const wrong = await runCli(['--ca-file', otherCa.cert, 'log', 'checkpoint'], { env: env() });
    assert.equal(wrong.code, 3, wrong.stderr);
  });

  it('SIGHUP: the new certificate is served; a broken one is refused and the previous one stays', async () => {
    assert.equal(await servedCertificate(server.url), first.sha256);
    fs.copyFileSync(second.cert, certFile);
    fs.copyFileSync(second.key, keyFile);
    process.kill(server.pid, 'SIGHUP');
    await stderrMatches(server, /SIGHUP: TLS reloaded for default/);
    assert.equal(await servedCertificate(server.url), second.sha256);
    fs.writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n');
    process.kill(server.pid, 'SIGHUP');
    await stderrMatches(server, /SIGHUP: TLS not reloaded; kept the previous certificate for default/);
    assert.equal(await servedCertificate(server.url), second.sha256);
    assert.equal((await runCli(['--ca-file', ca.cert, 'log', 'checkpoint'], { env: env() })).code, 0, 'still serving');
  });

  it('refuses bad TLS flags on the client side with exit 2', async () => {
    const notPem = path.join(dir, 'not.pem');
    fs.writeFileSync(notPem, 'hello');
    for (const [args, message] of [
      [['--ca-file', path.join(dir, 'missing.pem')], /cannot read --ca-file/],
      [['--ca-file', notPem], /--ca-file .* is not a PEM file holding a certificate/],
      [['--client-cert', clientCert.cert], /needs both --client-cert and --client-key/],
      [['--client-cert', clientCert.cert, '--client-key', clientCert.cert], /--client-key .* private key/],
    ] as const) {
      const r = await runCli([...args, 'log', 'checkpoint'], { env: env() });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe('cairn serve with client certificates required', () => {
  it('the CLI presents --client-cert/--client-key; without them the handshake fails (exit 3)', async () => {
    const server = await spawnServer({ data: path.join(scratch.dir(), 'data'), extraArgs: ['--tls-cert', first.cert, '--tls-key', first.key, '--tls-client-ca', ca.cert, '--tls-client-auth', 'require'] });
    try {
      const env = { CAIRN_CONFIG_DIR: scratch.dir(), CAIRN_URL: server.url, CAIRN_TOKEN_FILE: path.join(server.data, 'admin-token'), CAIRN_CA_FILE: ca.cert };
      const ok = await runCli(['--client-cert', clientCert.cert, '--client-key', clientCert.key, 'log', 'checkpoint'], { env });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal((await runCli(['log', 'checkpoint'], { env: { ...env, CAIRN_CLIENT_CERT: clientCert.cert, CAIRN_CLIENT_KEY: clientCert.key } })).code, 0);
      assert.equal((await runCli(['log', 'checkpoint'], { env })).code, 3);
    } finally {
      await server.stop();
    }
  });
});

describe('cairn serve refuses bad TLS and listener settings with exit 2, writing nothing', () => {
  it('each bad flag or file', async () => {
    const loose = path.join(dir, 'loose.key');
    fs.copyFileSync(first.key, loose);
    fs.chmodSync(loose, 0o640);
    const listeners = path.join(dir, 'listeners.yaml');
    fs.writeFileSync(listeners, 'listeners:\n  - name: ingest\n    listen: 127.0.0.1:0\n    groups: [ingest, evidence]\n');
    for (const [args, message] of [
      [['--tls-cert', first.cert], /HTTPS needs both --tls-cert and --tls-key/],
      [['--tls-cert', first.cert, '--tls-key', loose], /loose\.key is readable by group or others \(mode 0640\): run chmod 600/],
      [['--tls-cert', first.cert, '--tls-key', first.key, '--tls-client-auth', 'require'], /need --tls-client-ca/],
      [['--tls-cert', first.cert, '--tls-key', first.key, '--tls-client-auth', 'maybe'], /Allowed choices are request, require/],
      [['--tls-cert', second.cert, '--tls-key', first.key], /cannot be used together/],
      [['--listeners', listeners], /listeners\.yaml:4:5: unknown route group "evidence"/],
      [['--listeners', path.join(dir, 'none.yaml')], /none\.yaml: cannot read/],
      [['--listeners', listeners, '--tls-cert', first.cert, '--tls-key', first.key], /exclude each other/],
    ] as const) {
      const data = path.join(scratch.dir(), 'data');
      const r = await runCli(['serve', '--data', data, '--listen', '127.0.0.1:0', ...args], { env: { CAIRN_CONFIG_DIR: scratch.dir() } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(fs.existsSync(data), false, `${args.join(' ')}: nothing written`);
    }
  });
});
