import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALL_ROUTE_GROUPS } from '../../src/http/route-groups.js';
import { parseListeners, type ListenerConfig } from '../../src/listen/listeners-config.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases, tempDir } from '../helpers/stores.js';

after(cleanupStores);

const LISTENERS: ListenerConfig[] = [
  { name: 'ingest', host: '127.0.0.1', port: 0, groups: ['meta', 'proofs', 'identity', 'ingest'], roles: ['engineer', 'service'] },
  { name: 'review', host: '127.0.0.1', port: 0, groups: ['meta', 'proofs', 'identity', 'read', 'review', 'export', 'principals'], roles: ['admin', 'reviewer:compliance', 'auditor'] },
];

async function call(url: string, token: string | null, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

for (const storeCase of storeCases) {
  describe(`listeners on ${storeCase.name}`, () => {
    let s: RunningCairn;
    let ingest: string;
    let review: string;
    let engineer: string;
    let clock = Date.now();
    before(async () => {
      s = await startCairn(storeCase.fresh(), { listeners: LISTENERS, now: () => clock });
      [ingest, review] = s.cairn.listeners.map((l) => l.url!) as [string, string];
      engineer = await s.token(['engineer'], 'erin');
    });
    after(async () => s.close());

    const denials = async (filter: Record<string, unknown>) => {
      const res = await call(`${review}/api/v1/log/entries?start=0&limit=1000`, s.adminToken);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.entries as { entry: { kind: string; actor: { id: string }; body: Record<string, unknown> } }[])
        .map((e) => e.entry)
        .filter((e) => e.kind === 'access.denied_listener' && Object.entries(filter).every(([k, v]) => e.body[k] === v));
    };

    it('each listener serves its groups and roles: the engineer appends on ingest, the admin reads on review', async () => {
      assert.equal((await call(`${ingest}/api/v1/entries`, engineer, 'POST', { entries: [{ kind: 'custom.batch', body: { n: 1 } }] })).status, 201);
      assert.equal((await call(`${ingest}/api/v1/log/checkpoint`, engineer)).status, 200, 'a writer verifies its receipts on its own listener');
      assert.equal((await call(`${review}/api/v1/log/entries?start=0&limit=1`, s.adminToken)).status, 200);
      assert.equal((await call(`${review}/healthz`, null)).status, 200);
    });

    it('a route outside the listener’s groups answers as an unknown route does, and is recorded once a minute per caller and route', async () => {
      const unknown = await call(`${ingest}/api/v1/no-such-route`, engineer);
      const hidden = await call(`${ingest}/api/v1/log/entries?start=0`, engineer);
      assert.equal(hidden.status, 404);
      assert.equal(hidden.body.error.code, 'route_not_found');
      const asUnknown = { error: { ...unknown.body.error, message: unknown.body.error.message.replace('/api/v1/no-such-route', '/api/v1/log/entries') } };
      assert.deepEqual(hidden.body, asUnknown, 'the same answer as a route that does not exist');
      assert.equal((await call(`${ingest}/api/v1/exports`, null, 'POST', {})).status, 404, 'without a credential too');

      const recorded = await denials({ listener: 'ingest', route: '/api/v1/log/entries' });
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0]!.actor.id, 'erin');
      assert.deepEqual({ ...recorded[0]!.body, client: undefined }, { listener: 'ingest', reason: 'route_group_not_served', method: 'GET', route: '/api/v1/log/entries', group: 'read', client: undefined, principal: 'erin', suppressedBefore: 0 });
      assert.equal((await denials({ listener: 'ingest', route: '/api/v1/exports' }))[0]!.body['principal'], null);

      for (let i = 0; i < 5; i++) assert.equal((await call(`${ingest}/api/v1/log/entries`, engineer)).status, 404);
      assert.equal((await denials({ listener: 'ingest', route: '/api/v1/log/entries' })).length, 1, 'repeats within the minute are counted, not written');
      clock += 61_000;
      assert.equal((await call(`${ingest}/api/v1/log/entries`, engineer)).status, 404);
      const after = await denials({ listener: 'ingest', route: '/api/v1/log/entries' });
      assert.equal(after.length, 2);
      assert.equal(after[1]!.body['suppressedBefore'], 5, 'the next entry carries the count of the ones not written');
    });

    it('a caller none of whose roles the listener serves is 403 and recorded; their other roles do not count there', async () => {
      const admin = await call(`${ingest}/api/v1/entries`, s.adminToken, 'POST', { entries: [{ kind: 'custom.batch', body: { n: 2 } }] });
      assert.equal(admin.status, 403);
      assert.equal(admin.body.error.code, 'forbidden');
      const onReview = await call(`${review}/api/v1/whoami`, engineer);
      assert.equal(onReview.status, 403);
      const recorded = await denials({ reason: 'role_not_served' });
      assert.deepEqual(recorded.map((e) => [e.body['listener'], e.body['principal'], e.body['route']]).sort(), [['ingest', 'admin', '/api/v1/entries'], ['review', 'erin', '/api/v1/whoami']]);
    });
  });
}

describe('route groups', () => {
  it('every registered route belongs to one known group', async () => {
    const s = await startCairn(storeCases[0]!.fresh());
    try {
      const ungrouped = s.cairn.app.routes.filter((r) => !(ALL_ROUTE_GROUPS as string[]).includes(r.group ?? ''));
      assert.deepEqual(ungrouped, []);
      assert.ok(s.cairn.app.routes.filter((r) => r.group !== undefined).length >= 70);
    } finally {
      await s.close();
    }
  });
});

describe('listeners file', () => {
  it('parses groups, roles, TLS files relative to the file', () => {
    const [l] = parseListeners('listeners:\n  - name: ingest\n    listen: 10.20.0.1:8443\n    tls: { cert: tls/ingest.crt, key: tls/ingest.key }\n    groups: [meta, ingest]\n    roles: [engineer]\n', '/etc/cairn/listeners.yaml');
    assert.deepEqual(l, { name: 'ingest', host: '10.20.0.1', port: 8443, tls: { certFile: '/etc/cairn/tls/ingest.crt', keyFile: '/etc/cairn/tls/ingest.key', clientCaFile: undefined, clientAuth: undefined, clientPrincipalsFile: undefined }, groups: ['meta', 'ingest'], roles: ['engineer'] });
  });

  it('refuses unknown keys, groups and roles, duplicate names and addresses, names for addresses, naming file:line:column', () => {
    const text = [
      'listeners:', //                         1
      '  - name: ingest', //                   2
      '    listen: 10.20.0.1:8443', //          3
      '    groups: [meta, ingest, evidence]', // 4
      '    roles: [engineer, janitor]', //      5
      '    colour: blue', //                    6
      '  - name: ingest', //                   7
      '    listen: 10.20.0.1:8443', //          8
      '    groups: [read]', //                  9
      '    tls: { cert: a.crt, clientAuth: always }', // 10
      '  - name: review', //                   11
      '    listen: cairn.internal:8443', //     12
      '    groups: []', //                      13
    ].join('\n');
    assert.throws(() => parseListeners(text, 'listeners.yaml'), (err: Error) => {
      assert.equal(err.name, 'ConfigurationError');
      for (const expected of [
        /listeners\.yaml:4:5: unknown route group "evidence"/,
        /listeners\.yaml:5:5: unknown role "janitor"/,
        /listeners\.yaml:6:5: unknown key "colour"/,
        /listeners\.yaml:7:5: listener "ingest" is already defined by listeners\[0\]/,
        /listeners\.yaml:8:5: 10\.20\.0\.1:8443 is already the address of listeners\[0\]/,
        /listeners\.yaml:10:\d+: "key" must be a file name/,
        /listeners\.yaml:10:\d+: "clientAuth" must be one of request, require/,
        /listeners\.yaml:12:5: "listen" must be HOST:PORT with an IP address/,
        /listeners\.yaml:13:5: "groups" must be a non-empty list/,
      ]) assert.match(err.message, expected);
      return true;
    });
    assert.throws(() => parseListeners('listeners: [', 'l.yaml'), { name: 'ConfigurationError', message: /l\.yaml: not valid YAML/ });
    assert.throws(() => parseListeners('servers: []', 'l.yaml'), { name: 'ConfigurationError', message: /non-empty list "listeners"/ });
  });

  it('a listener whose TLS key is readable by others stops the start before the store is created', async () => {
    const d = tempDir('cairn-listeners-');
    fs.writeFileSync(path.join(d, 'k.key'), '-----BEGIN PRIVATE KEY-----\n');
    fs.chmodSync(path.join(d, 'k.key'), 0o644);
    const data = path.join(d, 'data');
    const { openCairn } = await import('../../src/server.js');
    await assert.rejects(
      openCairn({ dataDir: data, host: '127.0.0.1', port: 0, checkpointIntervalMs: 60_000, bodyLimit: 1 << 20, logLevel: 'silent', listeners: [{ name: 'a', host: '127.0.0.1', port: 0, groups: ['meta'], tls: { certFile: path.join(d, 'k.crt'), keyFile: path.join(d, 'k.key') } }] }),
      { name: 'ConfigurationError', message: /k\.key is readable by group or others/ },
    );
    assert.equal(fs.existsSync(data), false);
    fs.rmSync(d, { recursive: true, force: true });
  });
});
