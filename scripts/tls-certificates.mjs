// Throw-away certificates for tests and `npm run demo -- --tls`: a CA and certificates it signs,
// made with the openssl CLI (Debian's `openssl` package). Keys are P-256, written mode 0600.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

/** A self-signed CA in `dir`: { name, cert, key } (file paths). */
export function makeCa(dir, name = 'test-ca') {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  fs.chmodSync(key, 0o600);
  return { name, cert, key };
}

/**
 * A certificate signed by `ca`: { cert, key, sha256 } (file paths, and the certificate's SHA-256 in hex).
 * `options`: name (file stem), cn, dns [], ips [], uris [], usage 'server' | 'client'.
 */
export function makeCert(dir, ca, options) {
  const { name, cn = name, dns = [], ips = [], uris = [], usage = 'server' } = options;
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`), ...uris.map((u) => `URI:${u}`)];
  fs.writeFileSync(ext, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    `extendedKeyUsage=${usage === 'client' ? 'clientAuth' : 'serverAuth'}`,
    ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
  ].join('\n') + '\n');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  fs.chmodSync(key, 0o600);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`, '-days', '2', '-out', cert, '-extfile', ext], dir);
  fs.rmSync(csr);
  fs.rmSync(ext);
  const sha256 = new crypto.X509Certificate(fs.readFileSync(cert)).fingerprint256.replaceAll(':', '').toLowerCase();
  return { cert, key, sha256 };
}
