import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../errors/configuration-error.js';
import { formatCheckpoint, formatVerifierKey, noteKeyId, toBase64, type Checkpoint } from '@cairn/verify';

/** SPKI DER of an Ed25519 public key is this 12-byte prefix followed by the 32 raw bytes (RFC 8410). */
const ED25519_SPKI_PREFIX_LENGTH = 12;

/**
 * The log's Ed25519 key and the C2SP signed-note signatures it makes. The key name is the log's
 * origin, as c2sp.org/tlog-checkpoint recommends.
 */
export class LogSigner {
  readonly name: string;
  readonly publicKey: Uint8Array;
  /** The public key as SubjectPublicKeyInfo DER (what `openssl pkey -pubin -outform DER` prints). */
  readonly spki: Uint8Array;
  readonly keyId: Uint8Array;
  readonly verifierKey: string;
  readonly #privateKey: crypto.KeyObject;

  constructor(name: string, privateKey: crypto.KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the log signing key must be Ed25519');
    this.name = name;
    this.#privateKey = privateKey;
    const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.spki = new Uint8Array(spki);
    this.publicKey = new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX_LENGTH));
    this.keyId = noteKeyId(name, 0x01, this.publicKey);
    this.verifierKey = formatVerifierKey(name, this.publicKey);
  }

  /** A signed note (c2sp.org/signed-note): text, blank line, one `— name base64(keyid‖sig)` line. */
  signNote(text: string): string {
    const signature = crypto.sign(null, Buffer.from(text, 'utf8'), this.#privateKey);
    return `${text}\n\u2014 ${this.name} ${toBase64(Buffer.concat([this.keyId, signature]))}\n`;
  }

  signCheckpoint(checkpoint: Checkpoint): string {
    return this.signNote(formatCheckpoint(checkpoint));
  }

  /** Raw Ed25519 signature, for DSSE envelopes and package manifests. */
  sign(message: Uint8Array): Uint8Array {
    return crypto.sign(null, message, this.#privateKey);
  }
}

/**
 * Loads the PKCS#8 PEM key at `file`, creating it (mode 0600, exclusive create) if absent.
 * A key file readable by group or others is refused, as ssh refuses such a private key.
 */
export function loadOrCreateSigningKey(file: string): { key: crypto.KeyObject; created: boolean } {
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigurationError(`signing key ${file} has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`);
    }
    return { key: crypto.createPrivateKey(fs.readFileSync(file)), created: false };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  return { key: privateKey, created: true };
}
