import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Ca {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}
export interface Issued {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the DER certificate, lowercase hex. */
  readonly sha256: string;
}
export interface CertOptions {
  readonly name: string;
  readonly cn?: string;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly uris?: readonly string[];
  readonly usage?: 'server' | 'client';
}

// The one implementation lives in scripts/ (the demo uses it too): openssl, run by the test.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const mod = (await import(pathToFileURL(path.join(root, 'scripts/tls-certificates.mjs')).href)) as {
  makeCa(dir: string, name?: string): Ca;
  makeCert(dir: string, ca: Ca, options: CertOptions): Issued;
};

/** A self-signed CA in `dir` (openssl). */
export const makeCa: (dir: string, name?: string) => Ca = mod.makeCa;
/** A certificate `ca` signs, for a server (default) or a client. */
export const makeCert: (dir: string, ca: Ca, options: CertOptions) => Issued = mod.makeCert;
