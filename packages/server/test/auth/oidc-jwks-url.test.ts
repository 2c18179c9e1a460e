import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OidcVerifier, type OidcVerifierOptions } from '../../src/auth/oidc.js';
import { assertRefused, AUDIENCE, idpKey, ISSUER, jwks, JwksServer, sign, type IdpKey } from './oidc-fixtures.js';

describe('OidcVerifier with a JWKS URL', () => {
  const idp = new JwksServer();
  let jwksUrl: string;
  let k1: IdpKey, k2: IdpKey;
  const make = (jwks: OidcVerifierOptions['jwks'] = {}) =>
    OidcVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, roleMapping: { 'cairn-engineers': ['engineer'] } }, { jwks });

  before(async () => {
    [k1, k2] = await Promise.all([idpKey('RS256', 'k1'), idpKey('ES256', 'k2')]);
    jwksUrl = await idp.start();
  });
  beforeEach(() => {
    idp.body = jwks(k1);
    idp.mode = 'ok';
    idp.fetches = 0;
  });
  after(() => idp.close());

  it('fetches the key set on first use, then serves from its cache', async () => {
    const verifier = await make();
    assert.equal(idp.fetches, 0, 'nothing fetched at creation');
    for (let i = 0; i < 5; i += 1) {
      assert.deepEqual((await verifier.verify(await sign(k1, { groups: ['cairn-engineers'] }))).roles, ['engineer']);
    }
    assert.equal(idp.fetches, 1);
  });

  it('picks up a key that appears at the URL (rotation), once the cooldown has passed', async () => {
    const verifier = await make({ cooldownMs: 50 });
    await verifier.verify(await sign(k1));
    idp.body = jwks(k1, k2);
    await sleep(60);
    assert.equal((await verifier.verify(await sign(k2, { sub: 'after-rotation' }))).id, 'after-rotation');
    assert.equal(idp.fetches, 2);
  });

  it('does not refetch for every unknown kid: at most once per cooldown', async () => {
    const verifier = await make();
    await verifier.verify(await sign(k1));
    for (const kid of ['forged-1', 'forged-2', 'forged-3']) {
      const token = await sign(k1, {}, { kid });
      await assertRefused(verifier.verify(token), 'unauthenticated', token, /no key .* matches/);
    }
    assert.equal(idp.fetches, 1);
  });

  it('keeps using the keys it has while the identity provider is down, retrying once per cooldown', async () => {
    const verifier = await make({ cacheMaxAgeMs: 1, cooldownMs: 60_000 });
    await verifier.verify(await sign(k1));
    idp.mode = 'error';
    await sleep(5);
    for (let i = 0; i < 3; i += 1) assert.equal((await verifier.verify(await sign(k1))).id, 'alice');
    assert.equal(idp.fetches, 2, 'one failed refresh, then no more within the cooldown');
    // A kid it has never seen cannot be checked while the URL is down: the server's problem, not the caller's.
    await assertRefused(verifier.verify(await sign(k2)), 'unavailable', '', /cannot be fetched/);
  });

  it('stops using keys older than the stale limit', async () => {
    const verifier = await make({ cacheMaxAgeMs: 1, staleMaxMs: 20 });
    await verifier.verify(await sign(k1));
    idp.mode = 'error';
    await sleep(30);
    await assertRefused(verifier.verify(await sign(k1)), 'unavailable', '');
  });

  it('answers 503 unavailable when the key set cannot be fetched at all, without retrying on every request', async () => {
    idp.mode = 'error';
    const verifier = await make();
    const token = await sign(k1);
    await assertRefused(verifier.verify(token), 'unavailable', token, /identity provider's signing keys cannot be fetched/);
    await assertRefused(verifier.verify(token), 'unavailable', token);
    assert.equal(idp.fetches, 1);
  });

  it('gives up on a key set URL that does not answer within the timeout', async () => {
    idp.mode = 'hang';
    const verifier = await make({ timeoutMs: 100 });
    const started = Date.now();
    await assertRefused(verifier.verify(await sign(k1)), 'unavailable', '');
    assert.ok(Date.now() - started < 2_000);
  });

  it('refuses an invalid key set served at the URL as unavailable', async () => {
    idp.body = { not: 'a key set' };
    const verifier = await make();
    await assertRefused(verifier.verify(await sign(k1)), 'unavailable', '');
  });
});
