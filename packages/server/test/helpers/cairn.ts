import fs from 'node:fs';
import path from 'node:path';
import type { Permission, Role } from '../../src/auth/permissions.js';
import { SYSTEM_ACTOR } from '../../src/auth/principal.js';
import type { AdmissionOptions } from '../../src/deployments/index.js';
import { openCairn, type Cairn } from '../../src/server.js';
import { assertBundlesConform } from './bundles.js';
import type { StoreLocation } from './stores.js';

export interface RunningCairn {
  readonly cairn: Cairn;
  readonly url: string;
  readonly adminToken: string;
  close(): Promise<void>;
  /** Issues a token with these roles and returns its secret. */
  token(roles: readonly Role[], principal?: string, options?: { ttlSeconds?: number; scopes?: Permission[] }): Promise<string>;
  request(method: string, urlPath: string, options?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

/** A real server on a loopback port over the given store location. */
export async function startCairn(location: StoreLocation, overrides: { checkpointIntervalMs?: number; bodyLimit?: number; admission?: AdmissionOptions } = {}): Promise<RunningCairn> {
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
  });
  const url = await cairn.app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const adminToken = fs.readFileSync(path.join(location.dataDir, 'admin-token'), 'utf8').trim();
  let n = 0;
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
    async token(roles, principal, options = {}) {
      n += 1;
      const issued = await cairn.tokens.issue(SYSTEM_ACTOR, { principal: principal ?? `p${n}`, type: 'service', roles, ...options });
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
