import fs from 'node:fs';
import tls from 'node:tls';
import { ConfigurationError } from '../errors/configuration-error.js';

/** How a listener speaks TLS: PEM files, read at start and again on SIGHUP. */
export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA certificates (PEM) that client certificates must chain to. */
  readonly clientCaFile?: string | undefined;
  /**
   * `request`: ask for a client certificate, accept the connection without one (a bearer token
   * still works); `require`: refuse the handshake without a certificate from the client CA.
   */
  readonly clientAuth?: 'request' | 'require' | undefined;
  /** Client certificate → service principal mapping (auth/client-certificates.ts). */
  readonly clientPrincipalsFile?: string | undefined;
}

export const CLIENT_AUTH_MODES = ['request', 'require'] as const;

/** What `tls.createSecureContext` and `server.setSecureContext` take. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer | undefined;
}

/**
 * Reads and checks the PEM files: readable, the key not readable by group or others (whoever
 * reads it can impersonate the server), and key and certificate a pair. Throws a
 * ConfigurationError naming the file; nothing is applied until all of it is good.
 */
export function readTlsMaterial(settings: TlsSettings): TlsMaterial {
  if (settings.clientAuth !== undefined && settings.clientCaFile === undefined) {
    throw new ConfigurationError(`TLS client authentication "${settings.clientAuth}" needs a client CA file to verify client certificates against`);
  }
  if (settings.clientPrincipalsFile !== undefined && settings.clientCaFile === undefined) {
    throw new ConfigurationError('a client principal mapping needs a client CA file: only certificates that chain to it are mapped');
  }
  const keyMode = statMode(settings.keyFile, 'TLS key');
  if ((keyMode & 0o077) !== 0) {
    throw new ConfigurationError(`TLS key ${settings.keyFile} is readable by group or others (mode ${(keyMode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${settings.keyFile}`);
  }
  const material: TlsMaterial = {
    cert: readPem(settings.certFile, 'TLS certificate', 'CERTIFICATE'),
    key: readPem(settings.keyFile, 'TLS key', 'PRIVATE KEY'),
    ca: settings.clientCaFile === undefined ? undefined : readPem(settings.clientCaFile, 'TLS client CA', 'CERTIFICATE'),
  };
  try {
    tls.createSecureContext(material);
  } catch (err) {
    throw new ConfigurationError(`TLS certificate ${settings.certFile} and key ${settings.keyFile} cannot be used together: ${(err as Error).message}`, { cause: err });
  }
  return material;
}

/** Options for `https.createServer`: the material and how client certificates are asked for. */
export function httpsOptions(settings: TlsSettings, material: TlsMaterial): tls.TlsOptions {
  const clientAuth = clientAuthOf(settings);
  return {
    ...material,
    requestCert: clientAuth !== undefined,
    // `request` verifies a presented certificate (socket.authorized) but lets the connection in.
    rejectUnauthorized: clientAuth === 'require',
    minVersion: 'TLSv1.2',
  };
}

export function clientAuthOf(settings: TlsSettings): 'request' | 'require' | undefined {
  return settings.clientAuth ?? (settings.clientCaFile === undefined ? undefined : 'request');
}

function statMode(file: string, what: string): number {
  try {
    return fs.statSync(file).mode;
  } catch (err) {
    throw new ConfigurationError(`${what} ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}

function readPem(file: string, what: string, label: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new ConfigurationError(`${what} ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(bytes.toString('latin1'))) {
    throw new ConfigurationError(`${what} ${file} is not a PEM file holding a ${label.toLowerCase()} ("-----BEGIN …${label}-----")`);
  }
  return bytes;
}
