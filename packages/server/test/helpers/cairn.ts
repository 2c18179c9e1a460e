import fs from 'node:fs';
import path from 'node:path';
import type { Permission, Role } from '../../src/auth/permissions.js';
import { SYSTEM_ACTOR } from '../../src/auth/principal.js';
import { hashToken, newTokenSecret } from '../../src/auth/token-rows.js';
import { issueBootstrapToken } from '../../src/auth/tokens.js';
import type { AdmissionOptions } from '../../src/deployments/index.js';
import type { ListenerConfig } from '../../src/listen/listeners-config.js';
import type { TlsSettings } from '../../src/listen/tls-settings.js';
import { openCairn, type Cairn, type ServerConfig } from '../../src/server.js';
import { assertBundlesConform } from './bundles.js';
import type { StoreLocation } from './stores.js';

export interface RunningCairn {
  readonly cairn: Cairn;
  readonly url: string;
  readonly adminToken: string;
  close(): Promise<void>;
  /**
   * A person with these roles, enrolled as production does it: proposed by the bootstrap admin,
   * approved by a second founder (`ops`), with a credential the person made; returns its secret.
   * For a principal that exists already, a further token within the roles it holds.
   */
  token(roles: readonly Role[], principal?: string, options?: { ttlSeconds?: number; scopes?: Permission[] }): Promise<string>;
  /** The second founder's token (the first is `adminToken`). */
  opsToken(): Promise<string>;
  request(method: string, urlPath: string, options?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

/** A real server on a loopback port over the given store location. */
export async function startCairn(location: StoreLocation, overrides: { checkpointIntervalMs?: number; bodyLimit?: number; admission?: AdmissionOptions; now?: () => number; tls?: TlsSettings; listeners?: ListenerConfig[] } & Pick<ServerConfig, 'trustProxy' | 'writeRates' | 'refusalLimits'> = {}): Promise<RunningCairn> {
  const cairn = await openCairn({
    dataDir: location.dataDir,
    databaseUrl: location.databaseUrl,
    databaseSchema: location.schema,
    host: '127.0.0.1',
    port: 0,
    checkpointIntervalMs: overrides.checkpointIntervalMs ?? 60_000,
    bodyLimit: overrides.bodyLimit ?? 1024 * 1024,
    logLevel: 'silent',
    ...(overrides.admission ? { admission: overrides.admission } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
    trustProxy: overrides.trustProxy,
    writeRates: overrides.writeRates,
    refusalLimits: overrides.refusalLimits,
    ...(overrides.tls ? { tls: overrides.tls } : {}),
    ...(overrides.listeners ? { listeners: overrides.listeners } : {}),
  });
  const [url] = (await cairn.listen()) as [string];
  const adminToken = fs.readFileSync(path.join(location.dataDir, 'admin-token'), 'utf8').trim();
  let n = 0;
  let ops: string | undefined;
  const opsToken = async () => (ops ??= (await issueBootstrapToken(cairn.tokens, cairn.principals, { principal: 'ops', roles: ['admin'], reason: 'second founder (test)' })).token);
  return {
    cairn,
    url,
    adminToken,
    // Every lineage bundle a test made must pass an in-toto / SLSA validator: checked on the way out.
    async close() {
      try {
        await assertBundlesConform(cairn);
      } finally {
        await cairn.close();
      }
    },
    opsToken,
    async token(roles, principal, options = {}) {
      n += 1;
      const id = principal ?? `p${n}`;
      const existing = await cairn.principals.find(id);
      if (!existing) {
        const secret = newTokenSecret();
        const admin = await cairn.authenticator.authenticate(adminToken);
        const second = await cairn.authenticator.authenticate(await opsToken());
        await cairn.principals.propose(admin, { id, type: 'user', roles, credentialSha256: Buffer.from(hashToken(secret)).toString('hex'), reason: 'test person' });
        await cairn.principals.approve(second, id, 'test person');
        if (options.ttlSeconds === undefined && options.scopes === undefined) return secret;
      }
      const issued = await cairn.tokens.issue(SYSTEM_ACTOR, { principal: id, roles, ...options });
      return issued.token;
    },
    async request(method, urlPath, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const token = options.token === undefined ? adminToken : options.token;
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await fetch(url + urlPath, { method, headers, body: body ?? null });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
  };
}
