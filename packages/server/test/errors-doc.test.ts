import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOG } from '../src/errors/catalog.js';

const doc = fs.readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the catalogue, with the same statuses', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const documented = Object.fromEntries(rows);
    assert.equal(rows.length, Object.keys(documented).length, 'no code is documented twice');
    assert.deepEqual(documented, Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, v]) => [code, v.status])));
  });

  it('every code is snake_case and every status is a 4xx or 5xx', () => {
    for (const [code, { status }] of Object.entries(ERROR_CATALOG)) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(status >= 400 && status < 600, code);
    }
  });
});
