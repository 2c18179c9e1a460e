import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, SignJWT, UnsecuredJWT } from 'jose';
import { OidcVerifier, type OidcConfig } from '../../src/auth/oidc.js';
import { assertRefused, AUDIENCE, idpKey, ISSUER, jwks, nowSeconds, sign, tempDir, writeJson, type IdpKey } from './oidc-fixtures.js';

const roleMapping = {
  'cairn-engineers': ['engineer'],
  'cairn-leads': ['engineer', 'steward'],
  'cairn-reviewers': ['reviewer:security', 'reviewer:compliance'],
  constructor: ['auditor'],
} as const;

describe('OidcVerifier with a JWKS file', () => {
  const tmp = tempDir();
  // `other` reuses rsa's kid with another key; `stranger` is in no key set. RSA keys are slow to
  // generate, so these few serve every test.
  let rsa: IdpKey, ec: IdpKey, ed: IdpKey, ps: IdpKey, other: IdpKey, stranger: IdpKey;
  let jwksFile: string;
  let verifier: OidcVerifier;
  const make = (extra: Partial<OidcConfig> = {}) => OidcVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksFile, roleMapping, ...extra });

  before(async () => {
    [rsa, ec, ed, ps, other, stranger] = await Promise.all([
      idpKey('RS256', 'rsa-1'), idpKey('ES256', 'ec-1'), idpKey('EdDSA', 'ed-1'), idpKey('PS256', 'ps-1'), idpKey('RS256', 'rsa-1'), idpKey('RS256', 'rsa-9'),
    ]);
    jwksFile = writeJson(tmp.dir, 'jwks.json', jwks(rsa, ec, ed, ps));
    verifier = await make();
  });
  after(tmp.cleanup);

  describe('maps a valid token to a principal', () => {
    it('with the roles its groups map to, deduplicated, unmapped groups ignored', async () => {
      const token = await sign(rsa, { groups: ['cairn-engineers', 'cairn-leads', 'cairn-reviewers', 'wifi-users'], jti: 'at-123' });
      const principal = await verifier.verify(token);
      assert.deepEqual(principal, {
        id: 'alice',
        type: 'user',
        roles: ['steward', 'engineer', 'reviewer:security', 'reviewer:compliance'],
        auth: 'oidc',
        tokenId: 'at-123',
      });
    });

    it('signed with ES256, EdDSA or PS256 keys from the same set', async () => {
      for (const key of [ec, ed, ps]) {
        const principal = await verifier.verify(await sign(key, { sub: `bob-${key.alg}`, groups: ['cairn-engineers'] }));
        assert.equal(principal.id, `bob-${key.alg.toLowerCase()}`, "ids are case-folded");
        assert.deepEqual(principal.roles, ['engineer']);
      }
    });

    it("from Keycloak's nested realm_access.roles", async () => {
      const keycloak = await make({ rolesClaim: 'realm_access.roles', principalClaim: 'preferred_username' });
      const token = await sign(rsa, { preferred_username: 'carol', realm_access: { roles: ['offline_access', 'cairn-reviewers'] }, groups: ['cairn-leads'] });
      const principal = await keycloak.verify(token);
      assert.equal(principal.id, 'carol');
      assert.deepEqual(principal.roles, ['reviewer:security', 'reviewer:compliance']);
    });

    it('from a claim named by a URI, dots and all (ADFS, Entra ID v1)', async () => {
      const claim = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
      const adfs = await make({ rolesClaim: claim });
      assert.deepEqual((await adfs.verify(await sign(rsa, { [claim]: 'cairn-engineers' }))).roles, ['engineer']);
    });

    it('from a roles claim holding a single string instead of a list', async () => {
      assert.deepEqual((await verifier.verify(await sign(rsa, { groups: 'cairn-leads' }))).roles, ['steward', 'engineer']);
    });

    it('with no roles when no group is mapped: authenticated, then refused by every permission check', async () => {
      for (const groups of [['wifi-users'], [], undefined, { nested: 'object' }, ['toString', '__proto__']]) {
        const principal = await verifier.verify(await sign(rsa, { groups }));
        assert.deepEqual(principal.roles, [], JSON.stringify(groups));
        assert.equal(principal.tokenId, undefined);
      }
    });

    it('maps only own keys of the mapping: a group called "constructor" gets what the file says', async () => {
      assert.deepEqual((await verifier.verify(await sign(rsa, { groups: ['constructor'] }))).roles, ['auditor']);
    });

    it('as a service when the service claim matches', async () => {
      const v = await make({ serviceClaim: { claim: 'idtyp', value: 'app' } });
      assert.equal((await v.verify(await sign(rsa, { idtyp: 'app', sub: 'pipeline' }))).type, 'service');
      assert.equal((await v.verify(await sign(rsa, { idtyp: 'user' }))).type, 'user');
      assert.equal((await v.verify(await sign(rsa))).type, 'user');
    });

    it('when the audience is one of several configured, or one of several in the token', async () => {
      const v = await make({ audience: ['api://cairn', AUDIENCE] });
      assert.equal((await v.verify(await sign(rsa))).id, 'alice');
      assert.equal((await verifier.verify(await sign(rsa, { aud: ['account', AUDIENCE] }))).id, 'alice');
    });

    it('when the token names no kid and several keys fit, by trying each', async () => {
      const file = writeJson(tmp.dir, 'no-kids.json', { keys: [rsa, other].map(({ jwk: { kid: _kid, alg: _alg, ...rest } }) => rest) });
      const v = await OidcVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksFile: file, roleMapping });
      assert.equal((await v.verify(await sign(other, {}, { kid: undefined }))).id, 'alice');
      assert.equal((await v.verify(await sign(rsa, {}, { kid: undefined }))).id, 'alice');
      const token = await sign(stranger, {}, { kid: undefined });
      await assertRefused(v.verify(token), 'unauthenticated', token, /signature does not verify/);
    });
  });

  describe('refuses', () => {
    it('a token from another issuer', async () => {
      const token = await sign(rsa, { iss: 'https://idp.example/realms/other' });
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /not issued by the configured issuer/);
    });

    it('a token for another audience', async () => {
      const token = await sign(rsa, { aud: 'account' });
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /audience does not include "cairn"/);
    });

    it('an unsigned token (alg none)', async () => {
      const token = new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', groups: ['cairn-leads'] }).setIssuedAt().setExpirationTime('5m').encode();
      assert.ok(OidcVerifier.looksLikeJwt(token), 'routed to OIDC so the refusal names the algorithm');
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /algorithm is not allowed/);
    });

    it('a token signed with HS256 using the public key as the HMAC secret', async () => {
      const secrets = [new TextEncoder().encode(await exportSPKI(rsa.publicKey)), new TextEncoder().encode(JSON.stringify(rsa.jwk))];
      for (const secret of secrets) {
        const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', groups: ['cairn-leads'] })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(secret);
        await assertRefused(verifier.verify(token), 'unauthenticated', token, /algorithm is not allowed/);
      }
    });

    it('a token whose kid is not in the key set', async () => {
      const token = await sign(rsa, {}, { kid: 'rsa-2' });
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /no key .* matches/);
    });

    it('a token signed by another key under a known kid', async () => {
      const token = await sign(other);
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /signature does not verify/);
    });

    it('a token whose payload was altered after signing', async () => {
      const [header, , signature] = (await sign(rsa, { groups: ['cairn-engineers'] })).split('.');
      const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: nowSeconds() + 300, groups: ['cairn-leads'] })).toString('base64url');
      const token = `${header}.${payload}.${signature}`;
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /signature does not verify/);
    });

    it('a token without the principal claim, or with an unusable one', async () => {
      for (const sub of [undefined, '', 42, 'a'.repeat(257), 'bad\nid', '\ud800']) {
        const token = await sign(rsa, { sub });
        await assertRefused(verifier.verify(token), 'unauthenticated', token, /"sub" claim/);
      }
      const email = await make({ principalClaim: 'email' });
      await assertRefused(email.verify(await sign(rsa)), 'unauthenticated', '', /no "email" claim/);
    });

    it('a token without an expiry', async () => {
      const token = await sign(rsa, { exp: undefined });
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /no expiry/);
    });

    it('strings that are not JWTs, and oversized ones', async () => {
      for (const token of ['a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.', 'not a jwt', `eyJhbGciOiJSUzI1NiJ9.${'A'.repeat(20_000)}.sig`]) {
        await assertRefused(verifier.verify(token), 'unauthenticated', token);
      }
    });
  });

  describe('allows for clock skew (default 60 s)', () => {
    it('refuses a token expired beyond the skew as token_expired', async () => {
      const token = await sign(rsa, { iat: nowSeconds() - 600, exp: nowSeconds() - 120 });
      await assertRefused(verifier.verify(token), 'token_expired', token, /expired at .*, 12\d seconds ago, beyond the allowed clock skew of 60 seconds/);
    });

    it('accepts a token expired within the skew', async () => {
      assert.equal((await verifier.verify(await sign(rsa, { iat: nowSeconds() - 600, exp: nowSeconds() - 30 }))).id, 'alice');
    });

    for (const claim of ['nbf', 'iat'] as const) {
      it(`refuses a token whose ${claim} is in the future beyond the skew as token_not_yet_valid`, async () => {
        const token = await sign(rsa, { [claim]: nowSeconds() + 120, exp: nowSeconds() + 600 });
        const err = await assertRefused(verifier.verify(token), 'token_not_yet_valid', token, /from the future by 1[12]\d seconds .* allowed clock skew of 60 seconds/);
        assert.equal(err.status, 401);
      });

      it(`accepts a token whose ${claim} is in the future within the skew`, async () => {
        assert.equal((await verifier.verify(await sign(rsa, { [claim]: nowSeconds() + 30 }))).id, 'alice');
      });
    }

    it('uses the configured skew', async () => {
      const strict = await make({ clockSkewSeconds: 0 });
      await assertRefused(strict.verify(await sign(rsa, { exp: nowSeconds() - 5 })), 'token_expired', '', /clock skew of 0 seconds/);
      await assertRefused(strict.verify(await sign(rsa, { nbf: nowSeconds() + 5 })), 'token_not_yet_valid', '', /clock skew of 0 seconds/);
    });
  });

  describe('create', () => {
    it('refuses a key set holding private or secret keys', async () => {
      const withPrivate = writeJson(tmp.dir, 'private.json', { keys: [{ ...(await exportJWK(rsa.privateKey)), kid: 'leak' }] });
      await assert.rejects(make({ jwksFile: withPrivate }), /private.json: keys\[0\] \(kid "leak"\) holds private or secret key material/);
      const withSecret = writeJson(tmp.dir, 'secret.json', { keys: [rsa.jwk, { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }] });
      await assert.rejects(make({ jwksFile: withSecret }), /keys\[1\] \(kid "hmac"\) holds private or secret key material/);
    });

    it('refuses a missing, malformed or unusable key set', async () => {
      await assert.rejects(make({ jwksFile: path.join(tmp.dir, 'absent.json') }), /absent.json: cannot read the JWKS file/);
      fs.writeFileSync(path.join(tmp.dir, 'bad.json'), '{"keys": [');
      await assert.rejects(make({ jwksFile: path.join(tmp.dir, 'bad.json') }), /bad.json: the JWKS file is not JSON/);
      await assert.rejects(make({ jwksFile: writeJson(tmp.dir, 'array.json', [rsa.jwk]) }), /not a JWK Set/);
      await assert.rejects(make({ jwksFile: writeJson(tmp.dir, 'broken.json', { keys: [rsa.jwk, { ...ec.jwk, x: ec.jwk.y }] }) }), /keys\[1\] \(kid "ec-1"\) is not a valid EC public key for ES256/);
      await assert.rejects(make({ jwksFile: writeJson(tmp.dir, 'weak.json', { keys: [{ ...rsa.jwk, n: 'AQAB' }] }) }), /keys\[0\] \(kid "rsa-1"\) is an RSA key shorter than 2048 bits/);
      await assert.rejects(make({ jwksFile: writeJson(tmp.dir, 'es-only.json', jwks(ec)), algorithms: ['RS256'] }), /no key in the set can verify any of the allowed algorithms \(RS256\)/);
      const encOnly = writeJson(tmp.dir, 'enc.json', { keys: [{ ...rsa.jwk, use: 'enc', alg: 'RSA-OAEP' }] });
      await assert.rejects(make({ jwksFile: encOnly }), /no key in the set can verify/);
    });

    it('validates a configuration built in code as strictly as a file', async () => {
      await assert.rejects(make({ algorithms: ['HS256'] }), /OIDC configuration: "algorithms" must not contain "HS256"/);
      await assert.rejects(make({ clockSkewSeconds: 600 }), /clockSkewSeconds/);
    });
  });

  it('looksLikeJwt tells JWTs from Cairn API tokens', async () => {
    assert.equal(OidcVerifier.looksLikeJwt(await sign(rsa)), true);
    for (const token of ['cairn_3q2-7wX_abc', '', 'a.b', 'a.b.c.d', 'a b.c.d', 'a..c', 'eyJ+.eyJ.sig']) {
      assert.equal(OidcVerifier.looksLikeJwt(token), false, token);
    }
  });
});
