import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseOidcConfig } from '../../src/auth/oidc.js';

const FILE = '/etc/cairn/oidc.yaml';
const BASE = `issuer: https://kc.example/realms/factory
audience: cairn
jwksFile: keys/jwks.json
roleMapping:
  cairn-engineers: [engineer]
`;
const parse = (text: string) => parseOidcConfig(text, FILE);
const refuses = (text: string, message: RegExp) => assert.throws(() => parse(text), (err: Error) => {
  assert.ok(err.message.startsWith(`${FILE}: `), err.message);
  assert.match(err.message, message);
  return true;
});

describe('parseOidcConfig', () => {
  it('reads a complete YAML configuration, resolving jwksFile against the file’s directory', () => {
    const config = parse(`
issuer: https://kc.example/realms/factory
audience: [cairn, account]
jwksUrl: https://kc.example/realms/factory/protocol/openid-connect/certs
clockSkewSeconds: 120
algorithms: [RS256, PS256]
principalClaim: preferred_username
rolesClaim: realm_access.roles
roleMapping:
  cairn-admins: [admin]
  cairn-reviewers: [reviewer:security, reviewer:compliance, reviewer:security]
  constructor: [auditor]
serviceClaim: { claim: cairn_principal_type, value: service }
`);
    assert.deepEqual({ ...config, roleMapping: { ...config.roleMapping } }, {
      issuer: 'https://kc.example/realms/factory',
      audience: ['cairn', 'account'],
      jwksUrl: 'https://kc.example/realms/factory/protocol/openid-connect/certs',
      clockSkewSeconds: 120,
      algorithms: ['RS256', 'PS256'],
      principalClaim: 'preferred_username',
      rolesClaim: 'realm_access.roles',
      roleMapping: { 'cairn-admins': ['admin'], 'cairn-reviewers': ['reviewer:security', 'reviewer:compliance'], constructor: ['auditor'] },
      serviceClaim: { claim: 'cairn_principal_type', value: 'service' },
    });
    assert.ok(Object.isFrozen(config));
    assert.equal(parse(BASE).jwksFile, '/etc/cairn/keys/jwks.json');
    assert.equal(parse(BASE.replace('keys/jwks.json', '/srv/jwks.json')).jwksFile, '/srv/jwks.json');
  });

  it('reads JSON', () => {
    const config = parseOidcConfig(JSON.stringify({ issuer: 'https://idp', audience: 'cairn', jwksFile: 'j.json', roleMapping: { g: ['operator'] } }), '/x/oidc.json');
    assert.equal(config.jwksFile, '/x/j.json');
    assert.deepEqual(config.roleMapping.g, ['operator']);
  });

  it('refuses both jwksFile and jwksUrl, or neither', () => {
    refuses(`${BASE}jwksUrl: https://kc.example/certs\n`, /"jwksFile" and "jwksUrl" are mutually exclusive/);
    refuses(BASE.replace('jwksFile: keys/jwks.json\n', ''), /one of "jwksFile" or "jwksUrl" is required/);
  });

  it('refuses an unknown role in the mapping, naming the group and the roles that exist', () => {
    refuses(`${BASE}  cairn-ops: [operator, superuser]\n`, /roleMapping\["cairn-ops"\]: unknown role "superuser"; Cairn roles are admin, steward, engineer/);
    refuses(`${BASE}  cairn-ops: operator\n`, /roleMapping\["cairn-ops"\] must be a list of Cairn roles/);
  });

  it('refuses an unknown key, suggesting the one probably meant', () => {
    refuses(`${BASE}jwks_file: x.json\n`, /unknown key "jwks_file" \(did you mean "jwksFile"\?\)/);
    refuses(`${BASE}groupsClaim: groups\n`, /unknown key "groupsClaim"; known keys: issuer, audience/);
  });

  it('refuses a clock skew above 300 seconds, or not a whole number', () => {
    refuses(`${BASE}clockSkewSeconds: 600\n`, /"clockSkewSeconds" is 600, above the maximum of 300/);
    refuses(`${BASE}clockSkewSeconds: -1\n`, /whole number of seconds/);
    refuses(`${BASE}clockSkewSeconds: "60"\n`, /whole number of seconds/);
    assert.equal(parse(`${BASE}clockSkewSeconds: 300\n`).clockSkewSeconds, 300);
  });

  it('refuses unsigned and HMAC algorithms, and unknown ones', () => {
    refuses(`${BASE}algorithms: [RS256, none]\n`, /must not contain "none"/);
    refuses(`${BASE}algorithms: [HS256]\n`, /must not contain "HS256": unsigned and HMAC-signed tokens are never accepted/);
    refuses(`${BASE}algorithms: [RS1]\n`, /unknown algorithm "RS1"/);
    refuses(`${BASE}algorithms: []\n`, /non-empty list/);
  });

  it('refuses a key set URL that could be altered in transit', () => {
    const withUrl = (url: string) => BASE.replace('jwksFile: keys/jwks.json', `jwksUrl: ${url}`);
    refuses(withUrl('http://kc.example/certs'), /"jwksUrl" must use https/);
    refuses(withUrl('https://user:pw@kc.example/certs'), /must not carry credentials/);
    refuses(withUrl('not a url'), /not a valid URL/);
    assert.equal(parse(withUrl('http://127.0.0.1:8080/certs')).jwksUrl, 'http://127.0.0.1:8080/certs');
  });

  it('refuses missing or mistyped required fields, listing every problem at once', () => {
    assert.throws(() => parse('roleMapping: {}\naudience: []\nserviceClaim: { claim: azp }\n'), (err: Error) => {
      for (const problem of [/"issuer" is required/, /"audience" must be/, /one of "jwksFile" or "jwksUrl"/, /"roleMapping" must be a non-empty mapping/, /"serviceClaim" must be/]) {
        assert.match(err.message, problem);
      }
      return true;
    });
    refuses('- just\n- a list\n', /must be a mapping/);
    refuses('', /must be a mapping/);
  });

  it('refuses text that is not YAML, and duplicate keys', () => {
    refuses(`${BASE}audience: [cairn\n`, /not valid YAML or JSON/);
    refuses(`${BASE}issuer: https://other\n`, /Map keys must be unique/);
  });

  it('accepts every configuration example in docs/oidc.md', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
    const doc = fs.readFileSync(path.join(root, 'docs/oidc.md'), 'utf8');
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => y.includes('roleMapping:'));
    assert.ok(examples.length >= 2, 'the Keycloak and Entra ID examples');
    for (const example of examples) assert.ok(parse(example).issuer);
  });
});
