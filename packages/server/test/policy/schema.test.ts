import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseDocument } from 'yaml';
import { ROLES } from '../../src/auth/permissions.js';
import { POLICY_PACK_SCHEMA } from '../../src/policy/index.js';
import { exampleSource } from './fixtures.js';

const published = new URL('../../../../../docs/policy-pack.schema.json', import.meta.url);

describe('policy pack schema', () => {
  it('is published verbatim as docs/policy-pack.schema.json', () => {
    assert.equal(fs.readFileSync(published, 'utf8'), JSON.stringify(POLICY_PACK_SCHEMA, null, 2) + '\n');
  });

  it('has its $id and is a valid draft 2020-12 schema', () => {
    assert.equal(POLICY_PACK_SCHEMA.$id, 'https://cairn.dev/schemas/policy-pack-v1.json');
    const ajv = new Ajv2020({ strict: true });
    assert.equal(ajv.validateSchema(POLICY_PACK_SCHEMA), true, JSON.stringify(ajv.errors));
  });

  it('accepts the example pack on its own, as any JSON Schema tool would', () => {
    const validate = new Ajv2020({ strict: true }).compile(JSON.parse(fs.readFileSync(published, 'utf8')) as object);
    assert.equal(validate(parseDocument(exampleSource()).toJS()), true, JSON.stringify(validate.errors));
  });

  it('names exactly the known roles', () => {
    const role = (POLICY_PACK_SCHEMA['$defs'] as { role: { enum: string[] } }).role;
    assert.deepEqual(role.enum, [...ROLES]);
  });

  it('is frozen: the single source cannot be changed at run time', () => {
    assert.ok(Object.isFrozen(POLICY_PACK_SCHEMA));
    assert.ok(Object.isFrozen(POLICY_PACK_SCHEMA['$defs']));
  });
});
