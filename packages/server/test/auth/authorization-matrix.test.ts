import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GRANTS, PERMISSIONS, ROLES, type Role } from '../../src/auth/permissions.js';
import { startCairn, type RunningCairn } from '../helpers/cairn.js';
import { cleanupStores, storeCases } from '../helpers/stores.js';

after(cleanupStores);

for (const storeCase of storeCases) {
  describe(`authorisation matrix on ${storeCase.name}`, () => {
    let s: RunningCairn;
    const tokens = new Map<Role, string>();
    before(async () => {
      s = await startCairn(storeCase.fresh());
      for (const role of ROLES) tokens.set(role, await s.token([role], `matrix-${role.replace(':', '-')}`));
    });
    after(async () => s.close());

    it('every registered route declares one known permission', () => {
      assert.ok(s.cairn.app.routes.length >= 20, `found ${s.cairn.app.routes.length} routes`);
      for (const route of s.cairn.app.routes) {
        assert.ok(route.permission !== undefined, `${route.method} ${route.url} has no declared permission`);
        assert.ok((PERMISSIONS as readonly string[]).includes(route.permission), `${route.method} ${route.url}: unknown permission ${route.permission}`);
      }
    });

    it('every route answers every role as the matrix says: allowed where granted, 403 forbidden elsewhere, 401 without a token', async () => {
      const checked: string[] = [];
      for (const route of s.cairn.app.routes) {
        // Authorisation runs before parsing and validation, so placeholder parameters are enough.
        const url = route.url.replace(/:[a-zA-Z]+/g, 'placeholder');
        const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method) ? {} : undefined;
        if (route.permission === 'public') {
          const res = await s.request(route.method, url, { token: null, body });
          assert.ok(res.status < 400, `${route.method} ${route.url} is public but answered ${res.status}`);
          continue;
        }
        const anonymous = await s.request(route.method, url, { token: null, body });
        assert.equal(anonymous.status, 401, `${route.method} ${route.url} without a token`);
        assert.equal(anonymous.body.error.code, 'unauthenticated');
        for (const role of ROLES) {
          const res = await s.request(route.method, url, { token: tokens.get(role)!, body });
          const granted = GRANTS[role].includes(route.permission as never);
          const label = `${role} → ${route.method} ${route.url} (${route.permission})`;
          if (granted) {
            assert.notEqual(res.body?.error?.code, 'forbidden', `${label} should be allowed`);
            assert.notEqual(res.status, 401, label);
          } else {
            assert.equal(res.status, 403, `${label} should be refused`);
            assert.equal(res.body.error.code, 'forbidden', label);
            assert.equal(res.body.error.details.permission, route.permission);
          }
          checked.push(label);
        }
      }
      assert.ok(checked.length >= 20 * ROLES.length);
    });

    it('an auditor can read everything readable and change nothing', () => {
      const writes = ['log:append', 'log:checkpoint', 'tokens:manage', 'policy:propose', 'policy:approve', 'lineage:write', 'dataset:register', 'dataset:certify', 'run:write'] as const;
      for (const p of writes) assert.ok(!GRANTS.auditor.includes(p), `auditor must not hold ${p}`);
      for (const p of ['log:read', 'policy:read', 'alerts:read', 'metrics:read', 'lineage:read'] as const) assert.ok(GRANTS.auditor.includes(p));
    });
  });
}
