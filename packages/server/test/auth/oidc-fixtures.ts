import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { CairnError } from '../../src/errors/catalog.js';

export const ISSUER = 'https://idp.example/realms/factory';
export const AUDIENCE = 'cairn';

/** A signing key pair as an identity provider holds it, and the public JWK it publishes. */
export interface IdpKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function idpKey(alg: IdpKey['alg'], kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

export const jwks = (...keys: IdpKey[]) => ({ keys: keys.map((k) => k.jwk) });

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-oidc-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Signs a token as the identity provider would: issuer, audience, `iat` now and `exp` in five
 * minutes unless `claims` overrides them (`undefined` removes a claim).
 */
export async function sign(key: IdpKey, claims: Record<string, unknown> = {}, header: { kid?: string | undefined } = {}): Promise<string> {
  const now = nowSeconds();
  const payload: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now, exp: now + 300, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const kid = 'kid' in header ? header.kid : key.kid;
  return new SignJWT(payload as JWTPayload).setProtectedHeader(kid === undefined ? { alg: key.alg, typ: 'JWT' } : { alg: key.alg, typ: 'JWT', kid }).sign(key.privateKey);
}

/**
 * Asserts the promise is refused with this catalogue code, and that the message never repeats
 * the token or any of its parts (a log of the message must not become a log of credentials).
 */
export async function assertRefused(promise: Promise<unknown>, code: string, token: string, message?: RegExp): Promise<CairnError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, but the token was accepted`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CairnError, `expected a CairnError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  for (const part of token.split('.').filter((p) => p.length >= 8)) assert.ok(!err.message.includes(part), `message repeats the token: ${err.message}`);
  if (message) assert.match(err.message, message);
  return err;
}

/** A real identity provider's `jwks_uri` on loopback whose key set and health the test controls. */
export class JwksServer {
  body: unknown = { keys: [] };
  mode: 'ok' | 'error' | 'hang' = 'ok';
  fetches = 0;
  readonly #server = http.createServer((req, res) => {
    this.fetches += 1;
    if (this.mode === 'hang') return; // never answers; closed by `close`
    if (this.mode === 'error') {
      res.writeHead(502).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(this.body));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/realms/factory/protocol/openid-connect/certs`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
