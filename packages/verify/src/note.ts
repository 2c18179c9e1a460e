import { TextDecoder } from 'node:util';
import { bytesEqual, fromBase64, toBase64, toHex } from './encoding.js';
import { VerifyError } from './error.js';
import { hasLoneSurrogate } from './unicode.js';
import { isValidKeyName } from './verifier-key.js';
import type { NoteVerifier } from './verifier-key.js';

/**
 * Upper bound on signature lines. signed-note §Format: verifiers SHOULD cap
 * the number of signatures and MUST accept at least 16.
 */
export const MAX_NOTE_SIGNATURES = 16;

const KEY_ID_SIZE = 4;
const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
// signed-note §Format: no ASCII control characters other than newline.
const FORBIDDEN_CONTROL = /[\x00-\x09\x0b-\x1f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One signature line: `— <name> base64(keyId || signature)`. */
export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key ID. */
  readonly keyId: Uint8Array;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

/** A parsed, NOT yet verified, signed note. */
export interface Note {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/**
 * Splits a signed note (c2sp.org/signed-note §Format) into its text and
 * signature lines, enforcing the format: valid UTF-8 without control
 * characters other than newline, text ending in a newline, a blank line, then
 * 1 to {@link MAX_NOTE_SIGNATURES} lines `— <key name> <base64>` each ending
 * in a newline, whose base64 holds a 4-byte key ID and at least one byte of
 * signature. Throws `malformed_note`. Nothing is verified: the text MUST be
 * ignored until {@link verifyNote} accepts it.
 *
 * @example
 * parseNote('hello\n\n— example.com/foo Uw2QOk…\n').signatures[0].name // 'example.com/foo'
 */
export function parseNote(note: string | Uint8Array): Note {
  const source = decode(note);
  if (hasLoneSurrogate(source)) throw malformed('note is not valid Unicode');
  if (FORBIDDEN_CONTROL.test(source)) throw malformed('note contains a control character other than newline');

  // The text may contain blank lines: the LAST blank line separates it from
  // the signatures.
  const split = source.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures');
  const text = source.slice(0, split + 1);
  const block = source.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('signature block is empty or does not end in a newline');

  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw malformed(`note has ${lines.length} signatures, at most ${MAX_NOTE_SIGNATURES} are accepted`);
  }
  return { text, signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line does not start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('signature line has no space between key name and signature');
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed(`${JSON.stringify(name)} is not a valid key name`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(rest.slice(space + 1));
  } catch (cause) {
    throw malformed(`signature by ${name} is not canonical base64`, cause);
  }
  if (bytes.length <= KEY_ID_SIZE) throw malformed(`signature by ${name} is too short`);
  return {
    name,
    keyId: Uint8Array.from(bytes.subarray(0, KEY_ID_SIZE)),
    signature: Uint8Array.from(bytes.subarray(KEY_ID_SIZE)),
  };
}

/**
 * Writes a note: the text, a blank line and one line per signature. Throws
 * `invalid_argument` for anything {@link parseNote} would not read back.
 *
 * @example
 * formatNote({ text: 'hello\n', signatures: [{ name, keyId, signature }] })
 */
export function formatNote(note: Note): string {
  if (typeof note !== 'object' || note === null) throw invalid('note is not an object');
  const { text, signatures } = note;
  if (typeof text !== 'string' || !text.endsWith('\n')) throw invalid('note text must end in a newline');
  if (hasLoneSurrogate(text) || FORBIDDEN_CONTROL.test(text)) {
    throw invalid('note text must be valid Unicode without control characters other than newline');
  }
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_NOTE_SIGNATURES) {
    throw invalid(`a note carries 1 to ${MAX_NOTE_SIGNATURES} signatures`);
  }
  const lines = signatures.map((sig: NoteSignature) => {
    if (typeof sig !== 'object' || sig === null) throw invalid('signature is not an object');
    const { name, keyId, signature } = sig;
    if (!isValidKeyName(name)) throw invalid(`${JSON.stringify(name)} is not a valid key name`);
    if (!(keyId instanceof Uint8Array) || keyId.length !== KEY_ID_SIZE) throw invalid('key ID must be 4 bytes');
    if (!(signature instanceof Uint8Array) || signature.length === 0) throw invalid('signature must not be empty');
    const bytes = new Uint8Array(KEY_ID_SIZE + signature.length);
    bytes.set(keyId);
    bytes.set(signature, KEY_ID_SIZE);
    return `${SIGNATURE_PREFIX}${name} ${toBase64(bytes)}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Verifies a signed note against trusted keys (c2sp.org/signed-note
 * §Signatures): signatures whose (name, key ID) matches no trusted key are
 * ignored; every one that does match is verified, and one that fails rejects
 * the whole note; at least one must verify. Throws `malformed_note` or
 * `signature_invalid`, and returns the text only once it is trusted.
 *
 * @example
 * const { text } = verifyNote(noteFromServer, [parseVerifierKey(trustedVkey)]);
 */
export function verifyNote(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): { text: string; verifiedBy: NoteSignature[] } {
  requireVerifiers(verifiers);
  const parsed = parseNote(note);
  const message = Buffer.from(parsed.text, 'utf8');
  const verifiedBy: NoteSignature[] = [];
  for (const sig of parsed.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && bytesEqual(v.keyId, sig.keyId));
    if (verifier === undefined) continue;
    let ok: boolean;
    try {
      ok = verifier.verify(message, sig.signature) === true;
    } catch (cause) {
      throw new VerifyError('signature_invalid', `verifying the signature by ${describe(sig)} failed`, { cause });
    }
    if (!ok) throw new VerifyError('signature_invalid', `signature by ${describe(sig)} does not verify`);
    if (!verifiedBy.some((seen) => seen.name === sig.name && bytesEqual(seen.keyId, sig.keyId))) {
      verifiedBy.push(sig);
    }
  }
  if (verifiedBy.length === 0) {
    throw new VerifyError('signature_invalid', 'note carries no signature from a trusted key');
  }
  return { text: parsed.text, verifiedBy };
}

function requireVerifiers(verifiers: readonly NoteVerifier[]): void {
  if (!Array.isArray(verifiers)) throw invalid('verifiers must be an array');
  verifiers.forEach((v: NoteVerifier, i) => {
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof v.name !== 'string' ||
      !(v.keyId instanceof Uint8Array) ||
      v.keyId.length !== KEY_ID_SIZE ||
      typeof v.verify !== 'function'
    ) {
      throw invalid(`verifiers[${i}] is not a NoteVerifier`);
    }
    // Two trusted keys with the same (name, key ID) would make "the" key for
    // a signature ambiguous (signed-note §Signatures).
    if (verifiers.slice(0, i).some((u) => u.name === v.name && bytesEqual(u.keyId, v.keyId))) {
      throw invalid(`verifiers[${i}] duplicates the key ${v.name}+${toHex(v.keyId)}`);
    }
  });
}

function decode(note: string | Uint8Array): string {
  if (typeof note === 'string') return note;
  if (note instanceof Uint8Array) {
    try {
      return UTF8.decode(note);
    } catch (cause) {
      throw malformed('note is not valid UTF-8', cause);
    }
  }
  throw malformed('note is neither a string nor bytes');
}

function describe(sig: NoteSignature): string {
  return `${sig.name}+${toHex(sig.keyId)}`;
}

function malformed(message: string, cause?: unknown): VerifyError {
  return new VerifyError('malformed_note', message, cause === undefined ? undefined : { cause });
}

function invalid(message: string): VerifyError {
  return new VerifyError('invalid_argument', message);
}
