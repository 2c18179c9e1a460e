import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { SYSTEM_ACTOR } from '../../src/auth/principal.js';
import { buildApp } from '../../src/http/app.js';
import { openCairn } from '../../src/server.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

describe('secrets never reach the logs', () => {
  it('logs requests at trace level without any bearer token, key or token hash', async () => {
    const location = storeCases[0]!.fresh();
    const cairn = await openCairn({ dataDir: location.dataDir, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent' });
    let logged = '';
    const stream = new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    });
    // A second app over the same services, logging everything it can.
    const { fastify } = await buildApp({ services: cairn, logger: { level: 'trace', stream } });
    try {
      const url = await fastify.listen({ host: '127.0.0.1', port: 0 });
      const admin = fs.readFileSync(path.join(location.dataDir, 'admin-token'), 'utf8').trim();
      await cairn.principals.found('svc', ['service', 'auditor'], 'a second founder (test)');
      const issued = await cairn.tokens.issue(SYSTEM_ACTOR, { principal: 'svc', roles: ['service'] });
      const headers = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
      await fetch(`${url}/api/v1/whoami`, { headers: headers(admin) });
      await fetch(`${url}/api/v1/entries`, { method: 'POST', headers: headers(issued.token), body: JSON.stringify({ entries: [{ kind: 'custom.a', body: {} }] }) });
      await fetch(`${url}/api/v1/whoami`, { headers: headers('cairn_not-a-real-token-but-still-secret') });
      const created = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: headers(admin), body: JSON.stringify({ roles: ['admin'], ttl: 600 }) });
      const fresh = ((await created.json()) as { token: string }).token;
      await fetch(`${url}/api/v1/entries`, { method: 'POST', headers: headers(admin), body: '{broken' });
      assert.ok(logged.includes('/api/v1/whoami'), 'requests were logged');
      for (const secret of [admin, issued.token, fresh, 'cairn_not-a-real-token-but-still-secret']) {
        assert.ok(!logged.includes(secret), 'a token appears in the log');
        assert.ok(!logged.includes(secret.slice(6, 30)), 'part of a token appears in the log');
      }
      const key = fs.readFileSync(path.join(location.dataDir, 'keys', 'log-ed25519.pem'), 'utf8');
      assert.ok(!logged.includes(key.split('\n')[1]!), 'the signing key appears in the log');
    } finally {
      await fastify.close();
      await cairn.close();
    }
  });
  it('logs URLs without their query values, on routes, unknown routes and undecodable URLs alike', async () => {
    const location = storeCases[0]!.fresh();
    const cairn = await openCairn({ dataDir: location.dataDir, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent' });
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter((l) => l.length > 0));
        done();
      },
    });
    const { fastify } = await buildApp({ services: cairn, logger: { level: 'info', stream } });
    try {
      const url = await fastify.listen({ host: '127.0.0.1', port: 0 });
      const admin = fs.readFileSync(path.join(location.dataDir, 'admin-token'), 'utf8').trim();
      const auth = { authorization: `Bearer ${admin}` };
      await fetch(`${url}/api/v1/whoami?token=secret-one`, { headers: auth });
      await fetch(`${url}/api/v1/log/entries?start=0&limit=1&token=secret-two`, { headers: auth });
      await fetch(`${url}/api/v1/nowhere?token=secret-three`);
      await fetch(`${url}/api/v1/log/entries/%FF?token=secret-four`);
      const logged = lines.join('\n');
      assert.ok(logged.includes('/api/v1/whoami?token'), 'the path and the parameter name are logged');
      for (const secret of ['secret-one', 'secret-two', 'secret-three', 'secret-four']) assert.ok(!logged.includes(secret), `${secret} appears in the log`);
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a log line is not JSON: ${line}`);
    } finally {
      await fastify.close();
      await cairn.close();
    }
  });
});
