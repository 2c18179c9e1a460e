import { fromBase64, toBase64 } from './encoding.js';
import { VerifyError } from './error.js';
import { HASH_SIZE } from './merkle.js';
import { verifyNote } from './note.js';
import { parseVerifierKey } from './verifier-key.js';
import type { NoteVerifier } from './verifier-key.js';

/** The body of a C2SP tlog-checkpoint: a log's signed tree head. */
export interface Checkpoint {
  /** The log's identity, e.g. `cairn.example/log`. */
  readonly origin: string;
  /** Number of leaves in the tree. */
  readonly size: number;
  /** RFC 6962 root hash of the tree at `size`. */
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty extension lines (NOT RECOMMENDED by the spec). */
  readonly extensions: readonly string[];
}

// c2sp.org/tlog-checkpoint §Note text 2: ASCII decimal, no leading zeroes
// unless the tree is empty.
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses a checkpoint body (the note TEXT, already verified) per
 * c2sp.org/tlog-checkpoint §Note text: origin, decimal size, base64 root hash,
 * then optional extension lines, each line non-empty and ending in a newline.
 * Throws `malformed_checkpoint`. Sizes above 2^53 - 1 are refused, as they
 * cannot be represented exactly.
 *
 * @example
 * parseCheckpoint('example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n').size // 0
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string') throw malformed('checkpoint is not a string');
  if (!text.endsWith('\n')) throw malformed('checkpoint does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw malformed('checkpoint has fewer than three lines');
  }
  const empty = lines.findIndex((line) => line === '');
  if (empty >= 0) throw malformed(`checkpoint line ${empty + 1} is empty`);

  if (!DECIMAL.test(sizeLine)) throw malformed('tree size is not a decimal number without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed(`tree size ${sizeLine} exceeds 2^53 - 1`);

  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(rootLine);
  } catch (cause) {
    throw malformed('root hash is not canonical base64', cause);
  }
  if (rootHash.length !== HASH_SIZE) throw malformed(`root hash is ${rootHash.length} bytes, want ${HASH_SIZE}`);
  return { origin, size, rootHash, extensions };
}

/**
 * Writes a checkpoint body, ending in a newline, ready to be signed as note
 * text. Throws `invalid_argument` for anything {@link parseCheckpoint} would
 * not read back.
 *
 * @example
 * formatCheckpoint({ origin: 'example.com/log', size: 0, rootHash: emptyRoot(), extensions: [] })
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (typeof cp !== 'object' || cp === null) throw new VerifyError('invalid_argument', 'checkpoint is not an object');
  const { origin, size, rootHash, extensions } = cp;
  const lines = [origin, ...(Array.isArray(extensions) ? extensions : [undefined])];
  for (const line of lines) {
    if (typeof line !== 'string' || line === '' || line.includes('\n')) {
      throw new VerifyError('invalid_argument', 'origin and extension lines must be non-empty single lines');
    }
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new VerifyError('invalid_argument', `tree size ${typeof size === 'number' ? String(size) : typeof size} is not a non-negative safe integer`);
  }
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) {
    throw new VerifyError('invalid_argument', `root hash must be ${HASH_SIZE} bytes`);
  }
  return [origin, String(size), toBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Verifies a signed checkpoint note with the log's key and returns its body.
 * The signature is checked before the body is read (signed-note: the text
 * MUST be ignored until verified). The origin must equal the key name (the
 * tlog-checkpoint SHOULD, made a requirement here) and `options.origin` if
 * given, else `origin_mismatch`.
 *
 * @example
 * const cp = verifyCheckpoint(await (await fetch(url)).text(), trustedVkey, { origin: 'cairn.example/log' });
 * verifyInclusion(index, cp.size, leafHash(entry), proof, cp.rootHash);
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  verifierKey: string | NoteVerifier,
  options: { origin?: string } = {},
): Checkpoint {
  const verifier = typeof verifierKey === 'string' ? parseVerifierKey(verifierKey) : verifierKey;
  const { text } = verifyNote(note, [verifier]);
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== verifier.name) {
    throw new VerifyError(
      'origin_mismatch',
      `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the key name ${JSON.stringify(verifier.name)}`,
    );
  }
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new VerifyError(
      'origin_mismatch',
      `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(options.origin)}`,
    );
  }
  return checkpoint;
}

function malformed(message: string, cause?: unknown): VerifyError {
  return new VerifyError('malformed_checkpoint', message, cause === undefined ? undefined : { cause });
}
