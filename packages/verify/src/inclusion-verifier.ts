import { hash } from 'node:crypto';
import { VerifyError } from './error.js';
import { HASH_SIZE } from './merkle.js';
import { requireTreeSize } from './tree-size.js';

/** One hash line of a c2sp.org/tlog-proof: 44 characters of base64 and a newline. */
export const PROOF_LINE_SIZE = 45;

// Sizes are below 2^53, so no path has more than 53 levels.
const LEVELS = 64;
const BASE64 = new Int8Array(256).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;

/**
 * Verifies many inclusion proofs into one tree (RFC 9162 §2.1.3.2), as a compliance package
 * holds them: one per entry, mostly for neighbouring leaves, so that their paths share all but
 * their lowest nodes.
 *
 * It remembers the last verified path: for each level, the node the path went through, its
 * sibling (both proven by that verification) and where that level's line sits in the proof.
 * When a new proof reaches one of those two nodes with the same hash, and its remaining lines
 * are byte-identical to the remembered proof's lines from that level, the rest of its walk
 * would repeat, step for step, a walk that already ended at the root: it stops hashing there.
 * Nothing is assumed about hash collisions, so this is exactly as strict as walking every proof
 * to the top (rootFromInclusionProof). Memory is one path.
 *
 * The walk is the one of rootFromInclusionProof, written again here because it must stop
 * early, read each sibling straight from its base64 line, and hash into one reused buffer: a
 * package holds tens of thousands of proofs. The tests check the two agree, on the
 * transparency-dev vectors and on random trees. Hashes are carried as 32-character latin1
 * strings: node:crypto returns them without a Buffer allocation, and they compare with `===`.
 */
export class InclusionVerifier {
  readonly #size: number;
  readonly #root: string;
  readonly #node = Buffer.alloc(1 + 2 * HASH_SIZE);

  // The remembered path, by level; #step[level] is -1 where it has no step.
  readonly #step = new Int32Array(LEVELS).fill(-1);
  readonly #pathIndex = new Float64Array(LEVELS);
  readonly #pathHash: string[] = new Array<string>(LEVELS).fill('');
  readonly #siblingHash: string[] = new Array<string>(LEVELS).fill('');
  readonly #lines = Buffer.alloc(LEVELS * PROOF_LINE_SIZE);
  #count = 0;
  /** Levels below this may have a remembered step. */
  #height = 0;

  // The steps of the proof being verified.
  readonly #newLevel = new Int32Array(LEVELS);
  readonly #newIndex = new Float64Array(LEVELS);
  readonly #newPath: string[] = new Array<string>(LEVELS).fill('');
  readonly #newSibling: string[] = new Array<string>(LEVELS).fill('');

  constructor(treeSize: number, rootHash: Uint8Array) {
    this.#size = requireTreeSize(treeSize, 'tree size');
    if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) throw new VerifyError('invalid_hash', `root hash must be ${HASH_SIZE} bytes`);
    this.#root = Buffer.from(rootHash).toString('latin1');
    this.#node[0] = 0x01; // RFC 9162 §2.1.1: interior nodes hash 0x01 || left || right
  }

  /**
   * Checks that `leafHash` (32 bytes as a latin1 string) is leaf `index` of the tree, given its
   * inclusion proof as `count` tlog-proof lines (base64 of a 32-byte hash, newline) starting at
   * `start` in `lines`. Throws `invalid_hash` for a line that is not canonical base64 of 32
   * bytes, `invalid_argument` for an index outside the tree, `inclusion_proof_invalid` for a
   * proof that does not lead to the root.
   */
  verify(index: number, leafHash: string, lines: Buffer, start: number, count: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.#size) {
      throw new VerifyError('invalid_argument', `leaf index ${index} is not below tree size ${this.#size}`);
    }
    if (start < 0 || start + count * PROOF_LINE_SIZE > lines.length || count > LEVELS) {
      throw new VerifyError('inclusion_proof_invalid', `proof of ${count} lines does not fit`);
    }
    const node = this.#node;
    // RFC 9162 §2.1.3.2: fn is the node's index on its level, sn the last node's index.
    let fn = index;
    let sn = this.#size - 1;
    let level = 0;
    let r = leafHash;
    let steps = 0;
    let joined = -1; // the level where the walk joined the remembered path
    let joinedStep = 0;
    for (let k = 0; k < count; k++) {
      if (sn === 0) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} is longer than the path to the root`);
      if (fn === sn && fn % 2 === 0) {
        // The last node of its level without a right sibling is promoted unchanged until it
        // is a right child (the RFC's shift after hashing, done before it here).
        do {
          fn /= 2;
          sn /= 2;
          level++;
        } while (fn % 2 === 0);
      }
      const at = start + k * PROOF_LINE_SIZE;
      const s = this.#step[level] as number;
      if (s >= 0 && count - k === this.#count - s) {
        const known = this.#pathIndex[level] as number;
        if (fn === known) {
          if (r === this.#pathHash[level] && this.#sameLines(lines, at, s, count - k)) {
            this.#record(steps++, level, fn, r, this.#siblingHash[level] as string);
            joined = level;
            joinedStep = s;
            break;
          }
        } else if (fn === (known % 2 === 0 ? known + 1 : known - 1) && r === this.#siblingHash[level]) {
          const p = decodeLine(lines, at, node, 1) ? node.toString('latin1', 1, 1 + HASH_SIZE) : undefined;
          if (p !== undefined && p === this.#pathHash[level] && this.#sameLines(lines, at + PROOF_LINE_SIZE, s + 1, count - k - 1)) {
            this.#record(steps++, level, fn, r, p);
            joined = level;
            joinedStep = s;
            break;
          }
        }
      }
      // Our node is a right child (fn odd): the sibling is on the left.
      const right = fn % 2 === 1;
      const pAt = right ? 1 : 1 + HASH_SIZE;
      if (!decodeLine(lines, at, node, pAt)) {
        throw new VerifyError('invalid_hash', `proof line ${k + 1} is not the canonical base64 of a ${HASH_SIZE}-byte hash`);
      }
      const p = node.toString('latin1', pAt, pAt + HASH_SIZE);
      this.#record(steps++, level, fn, r, p);
      node.write(r, right ? 1 + HASH_SIZE : 1, HASH_SIZE, 'latin1');
      r = hash('sha256', node, 'binary');
      fn = (fn - (fn % 2)) / 2;
      sn = (sn - (sn % 2)) / 2;
      level++;
    }
    if (joined < 0) {
      if (sn !== 0) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} is shorter than the path to the root`);
      if (r !== this.#root) throw new VerifyError('inclusion_proof_invalid', `proof for leaf ${index} of ${this.#size} does not lead to the root hash`);
    }
    this.#remember(steps, joined, joinedStep, lines, start, count);
  }

  #record(k: number, level: number, index: number, path: string, sibling: string): void {
    this.#newLevel[k] = level;
    this.#newIndex[k] = index;
    this.#newPath[k] = path;
    this.#newSibling[k] = sibling;
  }

  #sameLines(lines: Buffer, at: number, step: number, n: number): boolean {
    const from = step * PROOF_LINE_SIZE;
    return lines.compare(this.#lines, from, from + n * PROOF_LINE_SIZE, at, at + n * PROOF_LINE_SIZE) === 0;
  }

  /**
   * Makes the proof just verified the remembered one: its own steps, and above the level where
   * it joined the old path (if it did), the old steps, renumbered.
   */
  #remember(steps: number, joined: number, joinedStep: number, lines: Buffer, start: number, count: number): void {
    const step = this.#step;
    const shift = steps - 1 - joinedStep;
    const top = steps === 0 ? 0 : (this.#newLevel[steps - 1] as number) + 1;
    const height = Math.max(this.#height, top);
    for (let level = 0; level < height; level++) {
      if (joined >= 0 && level > joined) {
        if ((step[level] as number) >= 0) step[level] = (step[level] as number) + shift;
      } else {
        step[level] = -1;
      }
    }
    for (let k = 0; k < steps; k++) {
      const level = this.#newLevel[k] as number;
      step[level] = k;
      this.#pathIndex[level] = this.#newIndex[k] as number;
      this.#pathHash[level] = this.#newPath[k] as string;
      this.#siblingHash[level] = this.#newSibling[k] as string;
    }
    lines.copy(this.#lines, 0, start, start + count * PROOF_LINE_SIZE);
    this.#count = count;
    this.#height = height;
  }
}

/**
 * Decodes one proof line (43 base64 characters, '=', newline) into `out` at `at`. Only the
 * canonical encoding of 32 bytes is accepted: the last character's two unused bits are zero.
 */
function decodeLine(src: Buffer, from: number, out: Buffer, at: number): boolean {
  if (src[from + 43] !== 0x3d || src[from + 44] !== 0x0a) return false;
  let o = at;
  for (let i = from; i < from + 40; i += 4) {
    const a = BASE64[src[i] as number] as number;
    const b = BASE64[src[i + 1] as number] as number;
    const c = BASE64[src[i + 2] as number] as number;
    const d = BASE64[src[i + 3] as number] as number;
    if ((a | b | c | d) < 0) return false;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  const a = BASE64[src[from + 40] as number] as number;
  const b = BASE64[src[from + 41] as number] as number;
  const c = BASE64[src[from + 42] as number] as number;
  if ((a | b | c) < 0 || (c & 3) !== 0) return false;
  out[o++] = (a << 2) | (b >> 4);
  out[o] = ((b & 15) << 4) | (c >> 2);
  return true;
}
