import { VerifyError } from './error.js';
import { fromBase64 } from './encoding.js';
import type { NoteVerifier } from './verifier-key.js';

/** A DSSE envelope (github.com/secure-systems-lab/dsse, envelope.md). */
export interface DsseEnvelope {
  readonly payloadType: string;
  /** Standard base64 of the payload bytes. */
  readonly payload: string;
  readonly signatures: readonly { readonly keyid?: string; readonly sig: string }[];
}

/**
 * DSSE v1 pre-authentication encoding (protocol.md):
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
 * Signing the PAE rather than the payload binds the type, so a payload cannot be replayed as another.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

/**
 * Verifies a DSSE envelope signed with an Ed25519 key (for Cairn: the log key, given as its
 * note verifier key). Returns the payload bytes. At least one signature must verify; signatures
 * with another keyid are ignored. Malformed input is a VerifyError, never a crash.
 */
export function verifyEnvelope(envelope: unknown, verifier: NoteVerifier, keyid?: string): Uint8Array {
  const e = envelope as Partial<DsseEnvelope> | null;
  if (!e || typeof e !== 'object' || typeof e.payloadType !== 'string' || typeof e.payload !== 'string' || !Array.isArray(e.signatures)) {
    throw new VerifyError('malformed_envelope', 'not a DSSE envelope: payloadType, payload and signatures are required');
  }
  let payload: Uint8Array;
  try {
    payload = fromBase64(e.payload);
  } catch (err) {
    throw new VerifyError('malformed_envelope', 'the DSSE payload is not valid base64', { cause: err });
  }
  const message = pae(e.payloadType, payload);
  let candidates = 0;
  for (const s of e.signatures as unknown[]) {
    const sig = s as { keyid?: unknown; sig?: unknown };
    if (!sig || typeof sig.sig !== 'string') throw new VerifyError('malformed_envelope', 'a DSSE signature has no sig');
    if (keyid !== undefined && sig.keyid !== undefined && sig.keyid !== keyid) continue;
    candidates += 1;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(sig.sig);
    } catch {
      continue;
    }
    if (verifier.verify(message, bytes)) return payload;
  }
  throw new VerifyError('signature_invalid', candidates === 0 ? 'no DSSE signature from the expected key' : 'no DSSE signature verifies');
}
