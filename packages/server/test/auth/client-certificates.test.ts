import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { describeCertificate, parseClientPrincipals } from '../../src/auth/client-certificates.js';
import { makeCa, makeCert } from '../helpers/certificates.js';
import { tempDir } from '../helpers/stores.js';

const dir = tempDir('cairn-client-certs-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const der = (file: string) => new X509Certificate(fs.readFileSync(file)).raw;

describe('client certificate mapping', () => {
  const ca = makeCa(dir, 'clients-ca');
  const both = makeCert(dir, ca, { name: 'both', usage: 'client', cn: 'trainer', dns: ['Trainer.Training.Internal'], uris: ['spiffe://factory.example/trainer'] });

  it('reads the SAN URIs, DNS names, CN and fingerprint of a certificate', () => {
    const cert = describeCertificate(der(both.cert));
    assert.deepEqual(cert, { sha256: both.sha256, uris: ['spiffe://factory.example/trainer'], dnsNames: ['Trainer.Training.Internal'], commonName: 'trainer' });
  });

  it('looks up strongest first: fingerprint, then URI, then DNS (any case), then CN; nothing mapped is undefined', () => {
    const cert = describeCertificate(der(both.cert));
    const map = (lines: string) => parseClientPrincipals(`clients:\n${lines}`, 'clients.yaml');
    const all = `  - principal: by-cn\n    cn: trainer\n  - principal: by-dns\n    dns: trainer.training.internal\n  - principal: by-uri\n    uri: spiffe://factory.example/trainer\n  - principal: By-Fingerprint\n    sha256: ${both.sha256.toUpperCase().match(/../g)!.join(':')}\n`;
    assert.equal(map(all).principalFor(cert), 'by-fingerprint', 'ids are normalised');
    assert.equal(map(all.split('\n').slice(0, 6).join('\n')).principalFor(cert), 'by-uri');
    assert.equal(map(all.split('\n').slice(0, 4).join('\n')).principalFor(cert), 'by-dns');
    assert.equal(map(all.split('\n').slice(0, 2).join('\n')).principalFor(cert), 'by-cn');
    assert.equal(map('  - principal: other\n    cn: someone-else\n').principalFor(cert), undefined);
  });

  it('refuses a value mapped twice and a file that is not a list of clients', () => {
    assert.throws(() => parseClientPrincipals('clients:\n  - principal: a\n    cn: x\n  - principal: b\n    cn: x\n', 'c.yaml'), { name: 'ConfigurationError', message: /c\.yaml:5:5: the same cn is already mapped by clients\[0\]/ });
    assert.throws(() => parseClientPrincipals('- principal: a\n', 'c.yaml'), { name: 'ConfigurationError', message: /must be a mapping with a list "clients"/ });
    assert.throws(() => parseClientPrincipals('clients:\n  - cn: x\n', 'c.yaml'), { name: 'ConfigurationError', message: /"principal" \(a service principal id\) is required/ });
  });
});
